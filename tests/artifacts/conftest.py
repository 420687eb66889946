"""Every store contract test runs on a local folder and on an S3 bucket behind a real HTTP
S3-compatible server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.artifacts.base import ArtifactStore
from modelyard.artifacts.local import LocalArtifactStore
from modelyard.artifacts.s3 import S3ArtifactStore
from tests.artifacts.s3server import S3Server, s3_server

# Small parts so that multi-part uploads happen with small test files (S3's minimum part is
# 5 MiB except for the last one; moto enforces it too).
TEST_PART_SIZE = 5 * 1024 * 1024


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ArtifactStore]:
    if request.param == "local":
        yield LocalArtifactStore(tmp_path / "artifacts")
        return
    server: S3Server = request.getfixturevalue("s3")
    with server.client() as client:
        s3_store = S3ArtifactStore(
            server.new_bucket(), "some/prefix", client=client, part_size=TEST_PART_SIZE
        )
        yield s3_store
