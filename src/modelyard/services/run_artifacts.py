"""Listing a run's or a logged model's artifacts by its id (MLflow's ListArtifacts and
ListLoggedModelArtifacts), as `mlflow server` does for proxied artifacts.

A run's artifact URI is `mlflow-artifacts:/<experiment>/<run_id>/artifacts`: the folder
`<experiment>/<run_id>/artifacts` of the artifact store. The client's `path` is checked
(`paths.user_path`) before anything is read, and the entries come back named relative to the
run's artifact root ("model/MLmodel"), as MLflow names them. An owner whose artifacts live outside
modelyard's store (an experiment created with a custom `artifact_location`) is refused with 400:
modelyard reads no storage but its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import anyio.to_thread

from modelyard.artifacts import paths
from modelyard.artifacts.base import ArtifactStore, Entry
from modelyard.domain import tracking_rules
from modelyard.domain.tracking import ARTIFACT_SCHEME, DELETED
from modelyard.errors import InvalidParameter, NotFound
from modelyard.services import artifacts
from modelyard.services.runs import run_row
from modelyard.store import logged_models
from modelyard.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class ArtifactListing:
    root_uri: str  # the owner's artifact URI, as MLflow answers it
    files: list[Entry]  # direct children of the listed folder, paths relative to root_uri


async def list_run_artifacts(
    uow: UnitOfWork, store: ArtifactStore, *, run_id: str | None, path: str | None
) -> ArtifactListing:
    """The run's artifacts directly under `path` ('' or None: its root). Deleted runs are
    listed too, as in MLflow."""
    run_id = tracking_rules.run_id(run_id)
    inner = paths.user_path(path, allow_root=True)

    def uri() -> str:
        with uow.read() as conn:
            return str(run_row(conn, run_id).artifact_uri)

    root_uri = await anyio.to_thread.run_sync(uri)
    return await _list(uow, store, root_uri, inner, owner=f"run {run_id}")


async def list_logged_model_artifacts(
    uow: UnitOfWork, store: ArtifactStore, *, model_id: str | None, path: str | None
) -> ArtifactListing:
    """The logged model's artifacts directly under `path`; a deleted model is not found, as
    in MLflow."""
    model_id = tracking_rules.model_id(model_id)
    inner = paths.user_path(path, allow_root=True)

    def uri() -> str:
        with uow.read() as conn:
            row = logged_models.find_logged_model(conn, model_id)
        if row is None or row.lifecycle_stage == DELETED:
            raise NotFound(f"Logged model with ID '{model_id}' not found.")
        return str(row.artifact_location)

    root_uri = await anyio.to_thread.run_sync(uri)
    return await _list(uow, store, root_uri, inner, owner=f"logged model {model_id}")


async def _list(
    uow: UnitOfWork, store: ArtifactStore, root_uri: str, inner: str, *, owner: str
) -> ArtifactListing:
    folder = paths.join(store_folder(root_uri, owner=owner), inner)
    entries = await artifacts.list_files(store, path=folder, uow=uow)
    files = [Entry(paths.join(inner, e.path), e.is_dir, e.file_size) for e in entries]
    return ArtifactListing(root_uri, files)


def store_folder(uri: str, *, owner: str) -> str:
    """The artifact-store folder behind an `mlflow-artifacts:/<path>` URI; InvalidParameter for
    any other URI (another scheme, or a host: storage modelyard does not manage)."""
    parts = urlsplit(uri)
    if f"{parts.scheme}:" != ARTIFACT_SCHEME or parts.netloc or parts.query or parts.fragment:
        raise InvalidParameter(
            f"The artifacts of {owner} are at {uri[:200]!r}, outside modelyard's artifact store; "
            f"modelyard lists only artifacts it stores ({ARTIFACT_SCHEME}/...)."
        )
    return paths.user_path(parts.path.lstrip("/"), allow_root=True)
