"""GET /api/v1/models/{name}/versions/{version}/files: a version's manifest (path, size and
sha256 of each file), which `modelyard download` checks files against; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from modelyard.artifacts.local import LocalArtifactStore
from modelyard.config import Settings
from modelyard.services import registry
from modelyard.store.uow import UnitOfWork
from tests.factories import new_version
from tests.services import story
from tests.services.story import FILES_A, FILES_B, sha

V1 = "/api/v1/models"


@pytest.fixture
def store(settings: Settings) -> Iterator[LocalArtifactStore]:
    local = LocalArtifactStore(settings.resolved_artifacts())
    yield local
    local.close()


def test_the_manifest_lists_every_file(
    client: TestClient, uow: UnitOfWork, store: LocalArtifactStore
) -> None:
    story.build(uow, store)
    for number, files in ((1, FILES_A), (2, FILES_B)):
        got = client.get(f"{V1}/churn/versions/{number}/files")
        assert got.status_code == 200, got.text
        manifest = got.json()["manifest"]
        assert (manifest["name"], manifest["version"]) == ("churn", number)
        assert manifest["storage_location"].startswith("mlflow-artifacts:/.modelyard/")
        assert {f["path"]: (f["size"], f["sha256"]) for f in manifest["files"]} == {
            path: (len(data), sha(data)) for path, data in files.items()
        }


def test_an_external_reference_has_no_files(client: TestClient, uow: UnitOfWork) -> None:
    registry.create_registered_model(uow, name="ext")
    new_version(uow, name="ext", source="s3://b/ext/1")
    got = client.get(f"{V1}/ext/versions/1/files")
    assert got.status_code == 200, got.text
    assert got.json()["manifest"]["files"] is None


def test_unknown_and_bad_versions_are_mlflow_errors(client: TestClient, uow: UnitOfWork) -> None:
    registry.create_registered_model(uow, name="m")
    missing = client.get(f"{V1}/m/versions/7/files")
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    bad = client.get(f"{V1}/m/versions/seven/files")
    assert bad.status_code == 400
    assert bad.json()["error_code"] == "INVALID_PARAMETER_VALUE"
