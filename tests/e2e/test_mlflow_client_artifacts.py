"""The real mlflow client's artifact repository (`mlflow-artifacts:/...`) against a live
`modelyard server`: upload, list, download and delete, byte for byte."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

from tests.helpers import LiveServer

pytestmark = pytest.mark.e2e
MiB = 1024 * 1024


@pytest.fixture
def repo(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.url)
    return get_artifact_repository(f"mlflow-artifacts:/0/{uuid.uuid4().hex}/artifacts")


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _tree(root: Path) -> None:
    (root / "model" / "data").mkdir(parents=True)
    (root / "model" / "MLmodel").write_text("flavors:\n  python_function: {}\n")
    (root / "model" / "data" / "weights.bin").write_bytes(os.urandom(MiB + 7))
    (root / "model" / "data" / "empty.txt").write_bytes(b"")
    (root / "metrics.json").write_text('{"f1": 0.9}')


def test_log_list_download_and_delete_through_the_real_client(
    repo: object, server: LiveServer, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(5 * MiB + 123))
    source = tmp_path / "source"
    _tree(source)

    repo.log_artifact(str(big))  # type: ignore[attr-defined]
    repo.log_artifacts(str(source), artifact_path="bundle")  # type: ignore[attr-defined]

    listed = {(f.path, f.is_dir, f.file_size) for f in repo.list_artifacts()}  # type: ignore[attr-defined]
    assert listed == {("big.bin", False, big.stat().st_size), ("bundle", True, None)}
    nested = [f.path for f in repo.list_artifacts("bundle/model")]  # type: ignore[attr-defined]
    assert nested == ["bundle/model/MLmodel", "bundle/model/data"]

    out = tmp_path / "out"
    out.mkdir()
    got = Path(repo.download_artifacts("big.bin", dst_path=str(out)))  # type: ignore[attr-defined]
    assert got.read_bytes() == big.read_bytes()
    folder = Path(repo.download_artifacts("bundle", dst_path=str(out)))  # type: ignore[attr-defined]
    assert _files(folder) == _files(source)
    assert len(_files(source)) == 4

    repo.delete_artifacts("bundle/model/data")  # type: ignore[attr-defined]
    assert [f.path for f in repo.list_artifacts("bundle/model")] == ["bundle/model/MLmodel"]  # type: ignore[attr-defined]
    repo.delete_artifacts("big.bin")  # type: ignore[attr-defined]
    assert [f.path for f in repo.list_artifacts()] == ["bundle"]  # type: ignore[attr-defined]
    stored = server.data_dir / "artifacts" / "0"
    assert stored.is_dir()


def test_the_clients_multipart_upload_goes_through_the_proxy(
    repo: object, server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", "true")
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", str(MiB))
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", str(5 * MiB))
    big = tmp_path / "parts.bin"
    big.write_bytes(os.urandom(12 * MiB + 5))
    repo.log_artifact(str(big), artifact_path="multi")  # type: ignore[attr-defined]
    out = tmp_path / "out"
    out.mkdir()
    got = Path(repo.download_artifacts("multi/parts.bin", dst_path=str(out)))  # type: ignore[attr-defined]
    assert got.read_bytes() == big.read_bytes()
    # The parts were staged (then cleaned up) by the server: the client did not fall back to
    # one PUT.
    staging = server.data_dir / "artifacts" / ".modelyard" / "uploads"
    assert staging.is_dir()
    assert list(staging.iterdir()) == []
