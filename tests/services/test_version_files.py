"""Registering versions from modelyard's own artifacts: files copied, immutable, verifiable, and
every source that escapes the store refused with nothing written."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from modelyard.artifacts.base import ArtifactStore
from modelyard.artifacts.local import LocalArtifactStore
from modelyard.artifacts.paths import BLOB_PREFIX, blob_path
from modelyard.config import Settings
from modelyard.domain.registry import FAILED_REGISTRATION, READY
from modelyard.errors import InvalidParameter, ModelyardError, NotFound
from modelyard.services import aliases, logged_models, registry, runs, version_files, versions
from modelyard.store.tables import metadata
from modelyard.store.uow import UnitOfWork

FILES = {"MLmodel": b"flavors: {}\n", "model.pkl": os.urandom(3 * 1024 * 1024 + 17)}


@pytest.fixture
def store(settings: Settings) -> Iterator[LocalArtifactStore]:
    local = LocalArtifactStore(settings.resolved_artifacts())
    yield local
    local.close()


def _put(store: ArtifactStore, folder: str, files: dict[str, bytes] = FILES) -> None:
    for name, data in files.items():
        store.write(f"{folder}/{name}", [data])


def _register(uow: UnitOfWork, store: ArtifactStore, source: str, **kwargs: Any) -> Any:
    return versions.create_model_version(
        uow, name="churn", source=source, artifacts=store, **kwargs
    )


def _read_version(uow: UnitOfWork, store: ArtifactStore, version_pk: int, path: str) -> bytes:
    _, chunks = version_files.open_file(uow, store, version_pk=version_pk, path=path)
    with chunks:
        return b"".join(chunks)


def _version_pk(uow: UnitOfWork, number: int) -> int:
    location = versions.get_model_version(uow, name="churn", version=number).storage_location
    assert location is not None
    return int(location.rsplit("/", 1)[1])


@pytest.fixture
def model(uow: UnitOfWork) -> str:
    registry.create_registered_model(uow, name="churn")
    return "churn"


@pytest.mark.usefixtures("model")
def test_a_run_s_model_is_copied_and_survives_the_run_and_its_files(
    uow: UnitOfWork, store: LocalArtifactStore
) -> None:
    run = runs.create_run(uow, experiment_id="0")
    run_root = run.info.artifact_uri.removeprefix("mlflow-artifacts:/")
    _put(store, f"{run_root}/model")

    v = _register(uow, store, f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)

    assert (v.status, v.run_id, v.source) == (
        READY,
        run.info.run_id,
        f"runs:/{run.info.run_id}/model",
    )
    assert (
        v.storage_location == f"mlflow-artifacts:/{version_files.VIEW_PREFIX}/{_version_pk(uow, 1)}"
    )
    uri = versions.get_model_version_download_uri(uow, name="churn", version=1)
    assert uri == v.storage_location
    # The run's files are overwritten, then deleted with the run: the version does not change.
    store.write(f"{run_root}/model/model.pkl", [b"tampered"])
    store.delete(run_root)
    runs.delete_run(uow, run_id=run.info.run_id)
    pk = _version_pk(uow, 1)
    assert {e.path for e in version_files.list_folder(uow, version_pk=pk, path="")} == set(FILES)
    for name, data in FILES.items():
        assert _read_version(uow, store, pk, name) == data


@pytest.mark.usefixtures("model")
def test_manifest_records_sha256_and_identical_files_are_stored_once(
    uow: UnitOfWork, store: LocalArtifactStore
) -> None:
    _put(store, "a/model")
    _put(store, "b/model")
    _register(uow, store, "mlflow-artifacts:/a/model")
    _register(uow, store, "mlflow-artifacts:/b/model")

    with uow.read() as conn:
        rows = conn.execute(sa.text("SELECT path, size, sha256 FROM model_version_files")).all()
    expected = {(n, len(d), hashlib.sha256(d).hexdigest()) for n, d in FILES.items()}
    assert {tuple(r) for r in rows} == expected
    assert len(rows) == 2 * len(FILES)
    blobs = [p for p in Path(store.location, BLOB_PREFIX).rglob("*") if p.is_file()]
    assert len(blobs) == len(FILES)


@pytest.mark.usefixtures("model")
def test_a_logged_model_registers_with_its_id_and_source_run(
    uow: UnitOfWork, store: LocalArtifactStore
) -> None:
    run = runs.create_run(uow, experiment_id="0")
    logged = logged_models.create_logged_model(
        uow, experiment_id="0", name="model", source_run_id=run.info.run_id
    )
    _put(store, logged.artifact_location.removeprefix("mlflow-artifacts:/"))

    v = _register(uow, store, f"models:/{logged.model_id}", model_id=logged.model_id)

    assert (v.status, v.model_id, v.run_id) == (READY, logged.model_id, run.info.run_id)


@pytest.mark.usefixtures("model")
def test_a_version_of_another_version_shares_its_manifest(
    uow: UnitOfWork, store: LocalArtifactStore
) -> None:
    _put(store, "x/model")
    first = _register(uow, store, "mlflow-artifacts:/x/model", run_id="r1")
    store.delete("x")
    copy = _register(uow, store, "models:/churn/1")
    assert (copy.status, copy.run_id) == (READY, first.run_id)
    assert _read_version(uow, store, _version_pk(uow, 2), "model.pkl") == FILES["model.pkl"]


@pytest.mark.usefixtures("model")
def test_an_empty_source_fails_registration_with_a_message(
    uow: UnitOfWork, store: LocalArtifactStore
) -> None:
    run = runs.create_run(uow, experiment_id="0")
    v = _register(uow, store, f"runs:/{run.info.run_id}/model")
    assert v.status == FAILED_REGISTRATION
    assert "No artifacts at" in (v.status_message or "")
    assert v.storage_location is None


def _snapshot(uow: UnitOfWork) -> dict[str, list[tuple[Any, ...]]]:
    with uow.read() as conn:
        return {
            t.name: sorted(tuple(r) for r in conn.execute(sa.select(t)))
            for t in metadata.sorted_tables
        }


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize(
    ("source", "error", "why"),
    [
        ("file:///etc/passwd", InvalidParameter, "outside modelyard's artifact store"),
        ("/etc/passwd", InvalidParameter, "outside modelyard's artifact store"),
        ("http://169.254.169.254/latest/meta-data", InvalidParameter, "outside"),
        ("mlflow-artifacts://other-host:5000/0/r/artifacts", InvalidParameter, "names a host"),
        ("mlflow-artifacts:/../../etc", InvalidParameter, "'..'"),
        ("mlflow-artifacts:/x/%2e%2e/%2e%2e/etc", InvalidParameter, "encoded"),
        ("mlflow-artifacts:/x%2f..%2f..%2fetc", InvalidParameter, "encoded|'..'"),
        ("mlflow-artifacts:/x\\..\\..\\etc", InvalidParameter, "backslashes"),
        ("mlflow-artifacts:/x\x00", InvalidParameter, "control character"),
        ("mlflow-artifacts:/.modelyard/blobs", InvalidParameter, "reserved"),
        ("runs:/0123abcd/../../../etc", NotFound, "Run with id=0123abcd not found"),
        ("models:/m-00000000000000000000000000000000", NotFound, "Logged model"),
        ("models:/churn/7", NotFound, "not found"),
    ],
)
def test_sources_outside_the_store_are_refused_and_nothing_is_written(
    uow: UnitOfWork, store: LocalArtifactStore, source: str, error: type[Exception], why: str
) -> None:
    before = _snapshot(uow)
    with pytest.raises(error, match=why):
        _register(uow, store, source)
    assert _snapshot(uow) == before


@pytest.mark.usefixtures("model")
def test_traversal_inside_a_runs_uri_is_refused(uow: UnitOfWork, store: LocalArtifactStore) -> None:
    run = runs.create_run(uow, experiment_id="0")
    before = _snapshot(uow)
    for tail in ("../../../../etc", "%2e%2e/x", "a\\..\\b", "/etc/passwd"):
        with pytest.raises(InvalidParameter, match="Invalid artifact path"):
            _register(uow, store, f"runs:/{run.info.run_id}/{tail}")
    with pytest.raises(InvalidParameter, match="differs from the request's run_id"):
        _register(uow, store, f"runs:/{run.info.run_id}/model", run_id="another")
    assert _snapshot(uow) == before


@pytest.mark.usefixtures("model")
def test_a_symlink_out_of_the_store_is_not_followed(
    uow: UnitOfWork, store: LocalArtifactStore, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"not yours")
    _put(store, "s/model", {"MLmodel": b"x"})
    Path(store.location, "s", "model", "link.txt").symlink_to(secret)
    Path(store.location, "s", "linked").symlink_to(tmp_path)

    before = _snapshot(uow)
    with pytest.raises(InvalidParameter, match="symlink"):
        _register(uow, store, "mlflow-artifacts:/s/linked")
    assert _snapshot(uow) == before
    # A link inside the folder is left out: its target is never read.
    v = _register(uow, store, "mlflow-artifacts:/s/model")
    assert v.status == READY
    listed = version_files.list_folder(uow, version_pk=_version_pk(uow, 1), path="")
    assert [e.path for e in listed] == ["MLmodel"]


@pytest.mark.usefixtures("model")
def test_a_corrupted_blob_is_never_served_whole(uow: UnitOfWork, store: LocalArtifactStore) -> None:
    _put(store, "c/model")
    _register(uow, store, "mlflow-artifacts:/c/model")
    data = FILES["model.pkl"]
    blob = Path(store.location, blob_path(hashlib.sha256(data).hexdigest()))
    blob.chmod(0o644)
    blob.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # same size, one bit flipped

    _, chunks = version_files.open_file(
        uow, store, version_pk=_version_pk(uow, 1), path="model.pkl"
    )
    received: list[bytes] = []

    def read_all() -> None:
        with chunks:
            received.extend(chunks)

    with pytest.raises(ModelyardError, match="does not match its manifest"):
        read_all()
    assert sum(map(len, received)) < len(data)


@pytest.mark.usefixtures("model")
def test_a_version_without_its_files_cannot_serve(
    uow: UnitOfWork, store: LocalArtifactStore
) -> None:
    run = runs.create_run(uow, experiment_id="0")
    failed = _register(uow, store, f"runs:/{run.info.run_id}/model")
    assert failed.status == FAILED_REGISTRATION
    before = _snapshot(uow)
    with pytest.raises(InvalidParameter, match="only a READY version can enter Production"):
        versions.transition_model_version_stage(
            uow, name="churn", version=failed.version, stage="Production"
        )
    with pytest.raises(InvalidParameter, match="only a READY version can receive the alias"):
        aliases.set_registered_model_alias(
            uow, name="churn", alias="champion", version=failed.version
        )
    assert _snapshot(uow) == before
    # Archiving it is still allowed: that is how it is put away.
    archived = versions.transition_model_version_stage(
        uow, name="churn", version=failed.version, stage="Archived"
    )
    assert archived.current_stage == "Archived"
