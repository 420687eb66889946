"""The audit trail: query events, export them as JSON Lines, verify the hash chain."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from modelyard.api.deps import UowDep, run_service
from modelyard.services import audit

router = APIRouter(tags=["audit"])

Model = Annotated[str | None, Query(description="Registered model name (its versions too).")]
Version = Annotated[str | None, Query(description="Model version number (needs `model`).")]
Actor = Annotated[str | None, Query(description="Who made the change.")]
Since = Annotated[int | None, Query(description="From this time (ms since the epoch).")]
Until = Annotated[int | None, Query(description="Up to this time (ms since the epoch).")]
Action = Annotated[str | None, Query(description="e.g. model_version.transition_stage")]


@router.get("/audit-events", summary="List audit events, newest first")
async def list_audit_events(
    uow: UowDep,
    model: Model = None,
    version: Version = None,
    actor: Actor = None,
    since: Since = None,
    until: Until = None,
    action: Action = None,
    max_results: Annotated[int | None, Query(description="Page size, at most 1000.")] = None,
    page_token: Annotated[str | None, Query(description="From `next_page_token`.")] = None,
) -> dict[str, Any]:
    page = await run_service(
        audit.list_events,
        uow,
        model=model,
        version=version,
        actor=actor,
        action=action,
        since=since,
        until=until,
        max_results=max_results,
        page_token=page_token,
    )
    out: dict[str, Any] = {"events": [e.as_dict() for e in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return out


@router.get(
    "/audit-events/export",
    summary="Export audit events as JSON Lines, oldest first",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
async def export_audit_events(
    uow: UowDep, model: Model = None, actor: Actor = None, since: Since = None, until: Until = None
) -> StreamingResponse:
    found = audit.export_events(uow, model=model, actor=actor, since=since, until=until)

    def lines() -> Iterator[bytes]:
        for event in found:
            yield orjson.dumps(event.as_dict()) + b"\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


@router.get("/audit-events/verify", summary="Verify the audit trail's hash chain")
async def verify_audit_chain(uow: UowDep) -> dict[str, Any]:
    result = await run_service(audit.verify_chain, uow)
    return {
        "ok": result.ok,
        "checked": result.checked,
        "first_bad_seq": result.first_bad_seq,
        "reason": result.reason,
    }
