"""A version's lineage (its whole story as one JSON document) and the comparison of two
versions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from modelyard.api.deps import ArtifactsDep, UowDep, run_service
from modelyard.api.v1 import lineage_render as out
from modelyard.services import comparison, lineage

router = APIRouter(tags=["lineage"])


@router.get(
    "/models/{name}/versions/{version}/lineage",
    summary="The whole story of a version: run, experiment, logged model, history, approvals, "
    "deployments",
)
async def version_lineage(name: str, version: str, uow: UowDep) -> dict[str, Any]:
    found = await run_service(lineage.version_lineage, uow, name=name, version=version)
    return {"lineage": out.lineage(found)}


@router.get(
    "/models/{name}/versions/{version}/files",
    summary="A version's files: path, size and sha256 of each (null for an external reference)",
)
async def version_files(name: str, version: str, uow: UowDep) -> dict[str, Any]:
    mv, files = await run_service(lineage.version_manifest, uow, name=name, version=version)
    return {"manifest": out.manifest(mv, files)}


@router.get(
    "/models/{name}/compare",
    summary="Two versions side by side: a=VERSION or MODEL/VERSION, b likewise; deltas are b - a",
)
async def compare(
    name: str, uow: UowDep, store: ArtifactsDep, a: str | None = None, b: str | None = None
) -> dict[str, Any]:
    found = await run_service(
        comparison.compare_versions, uow, name=name, a=a, b=b, artifacts=store
    )
    return {"comparison": out.comparison(found)}
