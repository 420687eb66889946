"""MLflow's artifact listings by owner (MlflowService): a run's (`artifacts/list`) and a logged
model's (`logged-models/{model_id}/artifacts/directories`).

The mlflow client itself lists and downloads through the artifact proxy (`mlflow-artifacts`);
these routes serve the UI and other clients that name the run or model instead of a path.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from modelyard.api.deps import ArtifactsDep, UowDep
from modelyard.api.mlflow import tracking_schemas as s
from modelyard.api.mlflow.wire import json_response, query_params
from modelyard.services import run_artifacts
from modelyard.services.run_artifacts import ArtifactListing

router = APIRouter()


@router.get("/artifacts/list")
async def list_artifacts(
    req: Annotated[s.ListArtifacts, Depends(query_params(s.ListArtifacts))],
    uow: UowDep,
    store: ArtifactsDep,
) -> Response:
    listing = await run_artifacts.list_run_artifacts(uow, store, run_id=req.id, path=req.path)
    return json_response(_listing(listing))


@router.get("/logged-models/{model_id}/artifacts/directories")
async def list_logged_model_artifacts(
    model_id: str,
    req: Annotated[s.ListLoggedModelArtifacts, Depends(query_params(s.ListLoggedModelArtifacts))],
    uow: UowDep,
    store: ArtifactsDep,
) -> Response:
    listing = await run_artifacts.list_logged_model_artifacts(
        uow, store, model_id=model_id, path=req.artifact_directory_path
    )
    return json_response(_listing(listing))


def _listing(listing: ArtifactListing) -> dict[str, Any]:
    """MLflow's ListArtifacts.Response: no `files` when there are none, no size for folders;
    never a `next_page_token` (MLflow's server answers every listing in one page)."""
    files = [
        {"path": f.path, "is_dir": f.is_dir}
        | ({} if f.file_size is None else {"file_size": f.file_size})
        for f in listing.files
    ]
    return {"root_uri": listing.root_uri} | ({"files": files} if files else {})
