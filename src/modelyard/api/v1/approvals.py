"""Approval requests: ask for a stage or alias change, approve, reject, cancel, comment, list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from modelyard.api.deps import (
    ArtifactsDep,
    ContextDep,
    ReaderDep,
    SettingsDep,
    UowDep,
    run_service,
)
from modelyard.api.v1 import governance_render as out
from modelyard.api.v1.governance_render import TargetBody
from modelyard.services import approvals

router = APIRouter(tags=["approvals"])


class NewRequest(TargetBody):
    model: str = Field(description="Registered model name.")
    version: int = Field(description="Model version number.")
    comment: str | None = Field(None, description="Why the change should be made.")


class CommentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str | None = Field(None, description="A comment for the record.")


def _one(request: Any) -> dict[str, Any]:
    return {"request": out.approval_request(request)}


@router.post("/approvals", summary="Request approval for a stage transition or alias change")
async def request_approval(
    body: NewRequest, uow: UowDep, ctx: ContextDep, settings: SettingsDep
) -> dict[str, Any]:
    created = await run_service(
        approvals.request_approval,
        uow,
        name=body.model,
        version=body.version,
        target=body.target(),
        comment=body.comment,
        actor=ctx,
        ttl_hours=settings.approval_ttl_hours,
    )
    return _one(created)


@router.get("/approvals", summary="List approval requests (pending by default)")
async def list_approvals(
    uow: UowDep,
    reader: ReaderDep,
    model: str | None = None,
    approver: str | None = None,
    status: str = "pending",
) -> dict[str, Any]:
    found = await run_service(
        approvals.list_requests,
        uow,
        readable=reader,
        model=model,
        approver=approver,
        status=None if status == "all" else status,
    )
    return {"requests": [out.approval_request(r) for r in found]}


@router.get("/approvals/{request_id}", summary="One approval request with its decisions")
async def get_approval(request_id: int, uow: UowDep) -> dict[str, Any]:
    return _one(await run_service(approvals.get_request, uow, request_id=request_id))


@router.post("/approvals/{request_id}/approve", summary="Approve; the last approval applies it")
async def approve(
    request_id: int, body: CommentBody, uow: UowDep, ctx: ContextDep, store: ArtifactsDep
) -> dict[str, Any]:
    done = await run_service(
        approvals.approve,
        uow,
        request_id=request_id,
        comment=body.comment,
        actor=ctx,
        artifacts=store,
    )
    return _one(done)


@router.post("/approvals/{request_id}/reject", summary="Reject the request")
async def reject(
    request_id: int, body: CommentBody, uow: UowDep, ctx: ContextDep
) -> dict[str, Any]:
    done = await run_service(
        approvals.reject, uow, request_id=request_id, comment=body.comment, actor=ctx
    )
    return _one(done)


@router.post("/approvals/{request_id}/cancel", summary="Cancel the request (its requester only)")
async def cancel(request_id: int, uow: UowDep, ctx: ContextDep) -> dict[str, Any]:
    return _one(await run_service(approvals.cancel, uow, request_id=request_id, actor=ctx))


@router.post("/approvals/{request_id}/comments", summary="Comment on the request")
async def comment(
    request_id: int, body: CommentBody, uow: UowDep, ctx: ContextDep
) -> dict[str, Any]:
    done = await run_service(
        approvals.add_comment, uow, request_id=request_id, comment=body.comment, actor=ctx
    )
    return _one(done)
