"""Approval requests: ask for a stage or alias change that the policy wants approved; approve,
reject, cancel, comment; list what is pending per model and per approver.

Deciding locks the model row (as every registry write does) and then the request row, and moves
the request out of `pending` with a conditional UPDATE (`... WHERE status = 'pending'`): of a
concurrent approve and reject, exactly one wins and the other gets RESOURCE_CONFLICT (409).
When the last required approval arrives, the policy is evaluated again and the change applied
in the same transaction; if any other check fails then, nothing is written (403).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from modelyard.artifacts.base import ArtifactStore
from modelyard.domain import governance as g
from modelyard.domain import names
from modelyard.domain.events import ActorLike, as_actor
from modelyard.domain.events import Target as EventTarget
from modelyard.domain.policies import APPROVALS_CHECK, Target
from modelyard.errors import Conflict, InvalidParameter, NotFound, PermissionDenied
from modelyard.services import access, audit, policies, promotions
from modelyard.services.access import ReadFilter
from modelyard.services.common import model_row, now_ms, version_row
from modelyard.store import governance
from modelyard.store.uow import UnitOfWork

MAX_COMMENT_LENGTH = 5000
MAX_LISTED = 1000
HOUR_MS = 3_600_000


def request_approval(
    uow: UnitOfWork,
    *,
    name: str | None,
    version: str | int | None,
    target: Target,
    comment: str | None = None,
    actor: ActorLike = None,
    ttl_hours: float = 168.0,
) -> g.ApprovalRequest:
    """Open a request for a change the effective policy says needs approval."""
    name = names.validate_model_name(name)
    number = names.parse_version(version)
    names.check_text(comment, "comment", MAX_COMMENT_LENGTH)
    requester = as_actor(actor).name
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        row = version_row(conn, model, number)
        verdict = policies.evaluate_promotion(conn, model, row, target)
        if not verdict.needs_approval:
            raise InvalidParameter(
                f"No policy asks for approval to move model {name} version {number} to "
                f"{target}; promote it directly (`modelyard promote`)."
            )
        now = now_ms()
        for open_one in governance.find_requests(
            conn, model_id=model.id, statuses=(g.PENDING,), live_at=now
        ):
            if open_one.version_id == row.id and _target(open_one) == target:
                raise Conflict(
                    f"Approval request {open_one.id} for this change is already pending."
                )
        request_id = governance.insert_request(
            conn,
            model_id=model.id,
            version_id=row.id,
            target_kind=target.kind,
            target_value=target.value,
            requester=requester,
            comment=comment or None,
            status=g.PENDING,
            created_time=now,
            expires_at=now + int(ttl_hours * HOUR_MS),
            policy_version=verdict.policy.version if verdict.policy else None,
        )
        _audit(conn, actor, "approval.request", model.name, number, request_id, comment)
        return _load(conn, request_id, now)


def approve(
    uow: UnitOfWork,
    *,
    request_id: int,
    comment: str | None = None,
    actor: ActorLike = None,
    artifacts: ArtifactStore | None = None,
) -> g.ApprovalRequest:
    """Record an approval; with the last one needed, apply the change (checks run again)."""
    names.check_text(comment, "comment", MAX_COMMENT_LENGTH)
    approver = as_actor(actor).name
    with uow.write() as conn:
        model, req, now = _lock_pending(conn, request_id)
        if req is not None:
            return _approve(conn, model, req, now, approver, comment, actor, artifacts)
    raise _expired(request_id)  # after the commit that marked it expired


def _approve(
    conn: sa.Connection,
    model: Any,
    req: Any,
    now: int,
    approver: str,
    comment: str | None,
    actor: ActorLike,
    artifacts: ArtifactStore | None,
) -> g.ApprovalRequest:
    if approver == req.requester:
        raise PermissionDenied(
            f"The requester ({approver}) cannot approve their own request {req.id} (four eyes)."
        )
    row = version_row(conn, model, req.version)
    earlier = governance.decisions_of(conn, [req.id])
    if any(d.approver == approver for d in earlier):
        raise Conflict(f"{approver} has already decided on approval request {req.id}.")
    approvers = [d.approver for d in earlier if d.decision == g.APPROVE] + [approver]
    verdict = policies.evaluate_promotion(
        conn,
        model,
        row,
        _target(req),
        artifacts=artifacts,
        requester=req.requester,
        approvers=approvers,
    )
    _check_eligible(verdict, approver, req.id)
    governance.insert_decision(
        conn, request_id=req.id, approver=approver, decision=g.APPROVE, comment=comment, now=now
    )
    _audit(conn, actor, "approval.approve", model.name, req.version, req.id, comment)
    if any(c.name == APPROVALS_CHECK for c in verdict.failed):
        return _load(conn, req.id, now)  # more approvals needed
    if not verdict.allowed:
        raise policies.refusal(verdict)  # nothing is written, this approval neither
    if not governance.finish_request(conn, req.id, status=g.APPLIED, now=now):
        raise Conflict(f"Approval request {req.id} was decided meanwhile.")
    promotions.apply_change(conn, model, row, verdict, actor=actor, now=now, request_id=req.id)
    return _load(conn, req.id, now)


def reject(
    uow: UnitOfWork, *, request_id: int, comment: str | None = None, actor: ActorLike = None
) -> g.ApprovalRequest:
    names.check_text(comment, "comment", MAX_COMMENT_LENGTH)
    approver = as_actor(actor).name
    with uow.write() as conn:
        model, req, now = _lock_pending(conn, request_id)
        if req is not None:
            if approver == req.requester:
                raise PermissionDenied(
                    f"The requester ({approver}) cannot reject their own request "
                    f"{request_id}; cancel it instead."
                )
            row = version_row(conn, model, req.version)
            _check_eligible(
                policies.evaluate_promotion(conn, model, row, _target(req)), approver, req.id
            )
            if not governance.finish_request(conn, req.id, status=g.REJECTED, now=now):
                raise Conflict(f"Approval request {request_id} was decided meanwhile.")
            governance.insert_decision(
                conn,
                request_id=req.id,
                approver=approver,
                decision=g.REJECT,
                comment=comment,
                now=now,
            )
            _audit(conn, actor, "approval.reject", model.name, req.version, req.id, comment)
            return _load(conn, request_id, now)
    raise _expired(request_id)


def cancel(uow: UnitOfWork, *, request_id: int, actor: ActorLike = None) -> g.ApprovalRequest:
    who = as_actor(actor).name
    with uow.write() as conn:
        model, req, now = _lock_pending(conn, request_id)
        if req is not None:
            if who != req.requester:
                raise PermissionDenied(
                    f"Only the requester ({req.requester}) can cancel approval request "
                    f"{request_id}."
                )
            if not governance.finish_request(conn, req.id, status=g.CANCELLED, now=now):
                raise Conflict(f"Approval request {request_id} was decided meanwhile.")
            _audit(conn, actor, "approval.cancel", model.name, req.version, req.id, None)
            return _load(conn, request_id, now)
    raise _expired(request_id)


def _expired(request_id: int) -> Conflict:
    return Conflict(f"Approval request {request_id} has expired; request the change again.")


def add_comment(
    uow: UnitOfWork, *, request_id: int, comment: str | None, actor: ActorLike = None
) -> g.ApprovalRequest:
    text = names.require(comment, "comment")
    names.check_text(text, "comment", MAX_COMMENT_LENGTH)
    with uow.write() as conn:
        req = _request_row(conn, request_id)
        now = now_ms()
        governance.insert_comment(
            conn, request_id=req.id, author=as_actor(actor).name, comment=text, now=now
        )
        _audit(conn, actor, "approval.comment", req.model_name, req.version, req.id, text)
        return _load(conn, request_id, now)


def get_request(uow: UnitOfWork, *, request_id: int) -> g.ApprovalRequest:
    with uow.read() as conn:
        return _load(conn, _request_row(conn, request_id).id, now_ms())


def list_requests(
    uow: UnitOfWork,
    *,
    model: str | None = None,
    approver: str | None = None,
    status: str | None = g.PENDING,
    readable: ReadFilter | None = None,
) -> list[g.ApprovalRequest]:
    """Requests, newest first. `status` pending (the default) leaves out expired ones;
    `approver`: only pending requests that person may still approve; `readable`: only those
    on models the caller may read."""
    if status is not None and status not in g.STATUSES:
        raise InvalidParameter(f"Unknown status {status[:50]!r}; one of {', '.join(g.STATUSES)}.")
    now = now_ms()
    with uow.read() as conn:
        model_id = model_row(conn, names.validate_model_name(model)).id if model else None
        rows = _rows_of_status(conn, model_id, status, now)
        if readable is not None:
            shown = access.readable_model_ids(conn, readable, {r.model_id for r in rows})
            rows = [r for r in rows if r.model_id in shown]
        if approver is not None:
            rows = [r for r in rows if _may_decide(conn, r, approver)]
        return _build(conn, rows, now)


def requests_of_version(
    conn: sa.Connection, model_id: int, version_id: int
) -> list[g.ApprovalRequest]:
    """Every approval request for one version, any status, newest first (for lineage)."""
    rows = governance.find_requests(conn, model_id=model_id, limit=MAX_LISTED)
    return _build(conn, [r for r in rows if r.version_id == version_id], now_ms())


def _rows_of_status(
    conn: sa.Connection, model_id: int | None, status: str | None, now: int
) -> list[sa.Row[Any]]:
    if status == g.EXPIRED:  # stored as expired, or pending past its time
        rows = governance.find_requests(
            conn, model_id=model_id, statuses=(g.PENDING, g.EXPIRED), limit=MAX_LISTED
        )
        return [r for r in rows if r.status == g.EXPIRED or r.expires_at <= now]
    live = now if status == g.PENDING else None
    return governance.find_requests(
        conn,
        model_id=model_id,
        statuses=(status,) if status else (),
        live_at=live,
        limit=MAX_LISTED,
    )


def _may_decide(conn: sa.Connection, req: sa.Row[Any], approver: str) -> bool:
    if req.requester == approver:
        return False
    if any(d.approver == approver for d in governance.decisions_of(conn, [req.id])):
        return False
    model = model_row(conn, req.model_name)
    policy = policies.effective_policy(conn, model)
    rule = policy.policy.rule_for(_target(req)) if policy else None
    return rule is None or policy is None or policy.policy.may_approve(rule, approver)


# --- helpers -----------------------------------------------------------------------------------


def _request_row(conn: sa.Connection, request_id: int, *, for_update: bool = False) -> Any:
    row = governance.find_request(conn, request_id, for_update=for_update)
    if row is None:
        raise NotFound(f"Approval request {request_id} not found.")
    return row


def _lock_pending(conn: sa.Connection, request_id: int) -> tuple[Any, Any, int]:
    """(model row, request row, now), both locked, the request still pending; request None
    when it had expired: it is marked so, and the caller raises after that is committed."""
    model = model_row(conn, _request_row(conn, request_id).model_name, for_update=True)
    req = _request_row(conn, request_id, for_update=True)
    now = now_ms()
    if req.status != g.PENDING:
        raise Conflict(f"Approval request {request_id} is already {req.status}.")
    if req.expires_at <= now:
        governance.finish_request(conn, req.id, status=g.EXPIRED, now=now)
        return model, None, now
    return model, req, now


def _check_eligible(verdict: g.PromotionCheck, approver: str, request_id: int) -> None:
    policy = verdict.policy
    rule = policy.policy.rule_for(verdict.target) if policy is not None else None
    if policy is not None and rule is not None and not policy.policy.may_approve(rule, approver):
        wanted = rule.approvals.describe() if rule.approvals else "approvals"
        raise PermissionDenied(
            f"{approver} may not decide approval request {request_id}: the "
            f"{policy.describe()} asks for {wanted}."
        )


def _target(row: Any) -> Target:
    return Target(row.target_kind, row.target_value)


def _audit(
    conn: sa.Connection,
    actor: ActorLike,
    action: str,
    model: str,
    version: int,
    request_id: int,
    comment: str | None,
) -> None:
    audit.record(
        conn,
        actor,
        action,
        EventTarget("model_version", model, version),
        after={"approval_request": request_id, "comment": comment},
    )


def _load(conn: sa.Connection, request_id: int, now: int) -> g.ApprovalRequest:
    return _build(conn, [_request_row(conn, request_id)], now)[0]


def _build(conn: sa.Connection, rows: list[Any], now: int) -> list[g.ApprovalRequest]:
    ids = [r.id for r in rows]
    decisions: dict[int, list[g.Decision]] = {i: [] for i in ids}
    for d in governance.decisions_of(conn, ids):
        decisions[d.request_id].append(g.Decision(d.approver, d.decision, d.comment, d.time))
    comments: dict[int, list[g.Comment]] = {i: [] for i in ids}
    for c in governance.comments_of(conn, ids):
        comments[c.request_id].append(g.Comment(c.author, c.comment, c.time))
    return [
        g.ApprovalRequest(
            id=r.id,
            model=r.model_name,
            version=r.version,
            target=_target(r),
            requester=r.requester,
            comment=r.comment,
            status=g.EXPIRED if r.status == g.PENDING and r.expires_at <= now else r.status,
            created_time=r.created_time,
            expires_at=r.expires_at,
            decided_time=r.decided_time,
            policy_version=r.policy_version,
            decisions=decisions[r.id],
            comments=comments[r.id],
        )
        for r in rows
    ]
