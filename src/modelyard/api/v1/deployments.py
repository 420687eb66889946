"""Deployment records: record where a version was deployed; list them per version or model."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from modelyard.api.deps import ContextDep, UowDep, run_service
from modelyard.api.v1.lineage_render import deployment
from modelyard.services import deployments

router = APIRouter(tags=["deployments"])


class DeploymentBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    environment: str = Field(description="Where: e.g. production, staging-eu.")
    endpoint: str | None = Field(None, description="The URL or name it serves at.")
    note: str | None = Field(None, description="Free text: the job, the ticket...")
    tags: dict[str, str] | None = Field(None, description="Extra string tags.")
    deployed_at: int | None = Field(
        None, description="When, in ms since the epoch (default: now); not in the future."
    )


@router.post(
    "/models/{name}/versions/{version}/deployments", summary="Record a deployment of a version"
)
async def record_deployment(
    name: str, version: str, body: DeploymentBody, uow: UowDep, ctx: ContextDep
) -> dict[str, Any]:
    recorded = await run_service(
        deployments.record_deployment,
        uow,
        name=name,
        version=version,
        actor=ctx,
        **body.model_dump(),
    )
    return {"deployment": deployment(recorded)}


@router.get(
    "/models/{name}/versions/{version}/deployments",
    summary="A version's deployment records, newest first",
)
async def version_deployments(
    name: str, version: str, uow: UowDep, environment: str | None = None
) -> dict[str, Any]:
    found = await run_service(
        deployments.list_deployments, uow, name=name, version=version, environment=environment
    )
    return {"deployments": [deployment(d) for d in found]}


@router.get("/models/{name}/deployments", summary="A model's deployment records, newest first")
async def model_deployments(
    name: str, uow: UowDep, environment: str | None = None
) -> dict[str, Any]:
    found = await run_service(deployments.list_deployments, uow, name=name, environment=environment)
    return {"deployments": [deployment(d) for d in found]}
