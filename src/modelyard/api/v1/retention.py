"""Retention: archive or delete all but the newest N versions of a registered model."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from modelyard.api.deps import ArtifactsDep, ContextDep, UowDep, run_service
from modelyard.domain.retention import ARCHIVE, RetentionPlan
from modelyard.services import retention

router = APIRouter(tags=["retention"])


class RetentionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keep: StrictInt = Field(description="How many of the newest versions to keep (>= 0).")
    action: str = Field(ARCHIVE, description="`archive` (the default) or `delete`.")
    dry_run: StrictBool = Field(False, description="Show what would change; change nothing.")


@router.post(
    "/models/{name}/retention",
    summary="Archive or delete all but the newest N versions (protected versions are kept)",
)
async def apply_retention(
    name: str, body: RetentionBody, uow: UowDep, ctx: ContextDep, artifacts: ArtifactsDep
) -> dict[str, Any]:
    plan = await run_service(
        retention.apply_retention,
        uow,
        name=name,
        keep=body.keep,
        action=body.action,
        dry_run=body.dry_run,
        actor=ctx,
        artifacts=artifacts,
    )
    return {"retention": render(plan)}


def render(plan: RetentionPlan) -> dict[str, Any]:
    return {
        "model": plan.model,
        "keep": plan.keep,
        "action": plan.action,
        "dry_run": plan.dry_run,
        "kept": list(plan.kept),
        "protected": [{"version": p.version, "reasons": list(p.reasons)} for p in plan.protected],
        "changed": [{"version": v, "from_stage": stage} for v, stage in plan.changed],
        "unchanged": list(plan.unchanged),
    }
