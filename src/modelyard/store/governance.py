"""Repository for governance: policy versions, approval requests, decisions and comments."""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa

from modelyard.store.governance_tables import (
    approval_comments,
    approval_decisions,
    approval_requests,
    policies,
)
from modelyard.store.tables import model_version_tags, model_versions, registered_models
from modelyard.store.tracking_tables import latest_metrics, runs

DEFAULT_SCOPE = "default"
PENDING = "pending"

p = policies.c
r = approval_requests.c
d = approval_decisions.c
c = approval_comments.c


def scope_of(model_id: int | None) -> str:
    return DEFAULT_SCOPE if model_id is None else f"model:{model_id}"


# --- policies ----------------------------------------------------------------------------------


def insert_policy(
    conn: sa.Connection, *, model_id: int | None, document: str, created_time: int, actor: str
) -> sa.Row[Any]:
    """Store the next version of the scope's policy; (scope, version) is unique, so of two
    concurrent writers one gets the next number and the other an integrity error."""
    scope = scope_of(model_id)
    newest = conn.execute(sa.select(sa.func.max(p.version)).where(p.scope == scope)).scalar()
    return conn.execute(
        sa.insert(policies)
        .values(
            scope=scope,
            model_id=model_id,
            version=(newest or 0) + 1,
            document=document,
            created_time=created_time,
            actor=actor,
        )
        .returning(*policies.c)
    ).one()


def newest_policy(conn: sa.Connection, model_id: int | None) -> sa.Row[Any] | None:
    return conn.execute(
        sa.select(policies).where(p.scope == scope_of(model_id)).order_by(p.version.desc()).limit(1)
    ).first()


def policy_history(conn: sa.Connection, model_id: int | None, *, limit: int) -> list[sa.Row[Any]]:
    return list(
        conn.execute(
            sa.select(policies)
            .where(p.scope == scope_of(model_id))
            .order_by(p.version.desc())
            .limit(limit)
        )
    )


# --- approval requests -------------------------------------------------------------------------

_REQUEST = (
    sa.select(
        approval_requests,
        registered_models.c.name.label("model_name"),
        model_versions.c.version.label("version"),
    )
    .join(registered_models, registered_models.c.id == r.model_id)
    .join(model_versions, model_versions.c.id == r.version_id)
)


def insert_request(conn: sa.Connection, **values: Any) -> int:
    return int(
        conn.execute(sa.insert(approval_requests).values(**values).returning(r.id)).scalar_one()
    )


def find_request(
    conn: sa.Connection, request_id: int, *, for_update: bool = False
) -> sa.Row[Any] | None:
    stmt = _REQUEST.where(r.id == request_id)
    if for_update:
        stmt = stmt.with_for_update(of=approval_requests)
    return conn.execute(stmt).first()


def find_requests(
    conn: sa.Connection,
    *,
    model_id: int | None = None,
    statuses: tuple[str, ...] = (),
    live_at: int | None = None,
    limit: int = 1000,
) -> list[sa.Row[Any]]:
    """Requests, newest first; `live_at`: only those not expired at that time."""
    stmt = _REQUEST
    if model_id is not None:
        stmt = stmt.where(r.model_id == model_id)
    if statuses:
        stmt = stmt.where(r.status.in_(statuses))
    if live_at is not None:
        stmt = stmt.where(r.expires_at > live_at)
    return list(conn.execute(stmt.order_by(r.created_time.desc(), r.id.desc()).limit(limit)))


def finish_request(conn: sa.Connection, request_id: int, *, status: str, now: int) -> bool:
    """Move a pending request to `status`; False when it was no longer pending (someone else
    decided first): the conditional UPDATE makes exactly one of two deciders win."""
    result = conn.execute(
        sa.update(approval_requests)
        .where(r.id == request_id, r.status == PENDING)
        .values(status=status, decided_time=now)
    )
    return result.rowcount == 1


def insert_decision(
    conn: sa.Connection,
    *,
    request_id: int,
    approver: str,
    decision: str,
    comment: str | None,
    now: int,
) -> None:
    conn.execute(
        sa.insert(approval_decisions).values(
            request_id=request_id, approver=approver, decision=decision, comment=comment, time=now
        )
    )


def decisions_of(conn: sa.Connection, request_ids: list[int]) -> list[sa.Row[Any]]:
    if not request_ids:
        return []
    return list(
        conn.execute(
            sa.select(approval_decisions)
            .where(d.request_id.in_(request_ids))
            .order_by(d.request_id, d.time, d.approver)
        )
    )


def insert_comment(
    conn: sa.Connection, *, request_id: int, author: str, comment: str, now: int
) -> None:
    conn.execute(
        sa.insert(approval_comments).values(
            request_id=request_id, author=author, comment=comment, time=now
        )
    )


def comments_of(conn: sa.Connection, request_ids: list[int]) -> list[sa.Row[Any]]:
    if not request_ids:
        return []
    return list(
        conn.execute(
            sa.select(approval_comments)
            .where(c.request_id.in_(request_ids))
            .order_by(c.request_id, c.time, c.id)
        )
    )


# --- facts about a version, for policy checks ----------------------------------------------------


def run_metrics(conn: sa.Connection, run_id: str) -> dict[str, float] | None:
    """The latest value of each metric of the run; None when there is no such run."""
    if conn.execute(sa.select(runs.c.run_id).where(runs.c.run_id == run_id)).first() is None:
        return None
    lm = latest_metrics.c
    return {
        row.key: math.nan if row.is_nan else float(row.value)
        for row in conn.execute(sa.select(lm.key, lm.value, lm.is_nan).where(lm.run_id == run_id))
    }


def version_tags(conn: sa.Connection, version_id: int) -> dict[str, str]:
    t = model_version_tags.c
    return {
        row.key: row.value
        for row in conn.execute(sa.select(t.key, t.value).where(t.version_id == version_id))
    }
