"""Promotion policies: the server default and each model's, with their versions; the dry-run
check of a promotion, and a promotion that applies or answers 403 with the failed checks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from modelyard.api.deps import ArtifactsDep, ContextDep, UowDep, run_service
from modelyard.api.mlflow import render
from modelyard.api.v1 import governance_render as out
from modelyard.api.v1.governance_render import TargetBody
from modelyard.services import policies, promotions

router = APIRouter(tags=["policies"])


class PolicyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy: dict[str, Any] | str = Field(
        description="The policy document: a JSON object, or YAML/JSON text "
        "(see docs/governance.md).",
    )


async def _put(uow: Any, model: str | None, body: PolicyBody, ctx: Any) -> dict[str, Any]:
    stored = await run_service(
        policies.put_policy, uow, model=model, document=body.policy, actor=ctx
    )
    return {"policy": out.policy_version(stored)}


async def _history(uow: Any, model: str | None) -> dict[str, Any]:
    found = await run_service(policies.policy_history, uow, model=model)
    return {"policies": [out.policy_version(p) for p in found]}


@router.put("/policies/default", summary="Store a new version of the server-wide default policy")
async def put_default_policy(body: PolicyBody, uow: UowDep, ctx: ContextDep) -> dict[str, Any]:
    return await _put(uow, None, body, ctx)


@router.get("/policies/default", summary="The newest version of the default policy")
async def get_default_policy(uow: UowDep) -> dict[str, Any]:
    found = await run_service(policies.get_policy, uow, model=None)
    return {"policy": out.policy_version(found)}


@router.get("/policies/default/history", summary="Every version of the default policy")
async def default_policy_history(uow: UowDep) -> dict[str, Any]:
    return await _history(uow, None)


@router.put("/models/{name}/policy", summary="Store a new version of a model's policy")
async def put_model_policy(
    name: str, body: PolicyBody, uow: UowDep, ctx: ContextDep
) -> dict[str, Any]:
    return await _put(uow, name, body, ctx)


@router.get("/models/{name}/policy", summary="The newest version of a model's own policy")
async def get_model_policy(name: str, uow: UowDep) -> dict[str, Any]:
    found = await run_service(policies.get_policy, uow, model=name)
    return {"policy": out.policy_version(found)}


@router.get("/models/{name}/policy/history", summary="Every version of a model's policy")
async def model_policy_history(name: str, uow: UowDep) -> dict[str, Any]:
    return await _history(uow, name)


@router.post(
    "/models/{name}/versions/{version}/promotion-check",
    summary="Dry run: the policy's checks for a promotion, changing nothing",
)
async def promotion_check(
    name: str, version: str, body: TargetBody, uow: UowDep, store: ArtifactsDep
) -> dict[str, Any]:
    result = await run_service(
        policies.check, uow, name=name, version=version, target=body.target(), artifacts=store
    )
    return {"check": out.promotion_check(result)}


@router.post(
    "/models/{name}/versions/{version}/promote",
    summary="Apply a promotion, or 403 PERMISSION_DENIED listing the failed checks",
)
async def promote(
    name: str, version: str, body: TargetBody, uow: UowDep, store: ArtifactsDep, ctx: ContextDep
) -> dict[str, Any]:
    moved = await run_service(
        promotions.promote,
        uow,
        name=name,
        version=version,
        target=body.target(),
        actor=ctx,
        artifacts=store,
    )
    return {"model_version": render.model_version(moved)}
