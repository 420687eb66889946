"""Alias and stage history of a registered model, and rollback."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from modelyard.api.deps import ArtifactsDep, ContextDep, UowDep, run_service
from modelyard.api.mlflow import render
from modelyard.services import history

router = APIRouter(tags=["history"])


@router.get("/models/{name}/aliases/{alias}/history", summary="Which version an alias pointed at")
async def alias_history(name: str, alias: str, uow: UowDep) -> dict[str, Any]:
    changes = await run_service(history.alias_history, uow, name=name, alias=alias)
    return {
        "history": [
            {
                "version": c.version,
                "previous_version": c.from_version,
                "time": c.time,
                "actor": c.actor,
                "action": c.action,
            }
            for c in changes
        ]
    }


@router.get("/models/{name}/stages/{stage}/history", summary="Versions entering or leaving a stage")
async def stage_history(name: str, stage: str, uow: UowDep) -> dict[str, Any]:
    changes = await run_service(history.stage_history, uow, name=name, stage=stage)
    return {
        "history": [
            {
                "version": c.version,
                "from_stage": c.from_stage,
                "to_stage": c.to_stage,
                "time": c.time,
                "actor": c.actor,
                "action": c.action,
            }
            for c in changes
        ]
    }


class Rollback(BaseModel):
    model_config = ConfigDict(extra="forbid")
    alias: str | None = Field(None, description="Roll this alias back to its previous version.")
    stage: str | None = Field(None, description="Roll this stage back (e.g. Production).")


@router.post("/models/{name}/rollback", summary="Move an alias or stage back to its last version")
async def rollback(
    name: str, body: Rollback, uow: UowDep, ctx: ContextDep, artifacts: ArtifactsDep
) -> dict[str, Any]:
    changed = await run_service(
        history.rollback,
        uow,
        name=name,
        alias=body.alias,
        stage=body.stage,
        actor=ctx,
        artifacts=artifacts,
    )
    return {"model_versions": [render.model_version(v) for v in changed]}
