"""The audit event repository: append to the hash chain, query, read in chain order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from modelyard.domain.events import AuditEvent, event_hash
from modelyard.errors import ModelyardError
from modelyard.store import prebuilt
from modelyard.store.events_tables import audit_chain_head, audit_events

_t = audit_events.c
_h = audit_chain_head.c

# Takes the head row's lock (PostgreSQL: until commit) and allocates the next sequence number;
# RETURNING gives the new seq and the hash of the event before it (`hash` is not changed here).
_ALLOCATE = (
    sa.update(audit_chain_head).where(_h.id == 1).values(seq=_h.seq + 1).returning(_h.seq, _h.hash)
)
_INSERT = sa.insert(audit_events).values({c.name: sa.bindparam(c.name) for c in audit_events.c})
_SET_HEAD_HASH = sa.update(audit_chain_head).where(_h.id == 1).values(hash=sa.bindparam("new_hash"))


def append(
    conn: sa.Connection,
    *,
    time: int,
    actor: str,
    action: str,
    target_type: str,
    target_name: str,
    target_version: int | None,
    before: str | None,
    after: str | None,
    request_id: str | None,
) -> int:
    """Append one event to the chain inside the caller's transaction; returns its seq."""
    head = prebuilt.execute(conn, "allocate event", _ALLOCATE)
    if head is None:
        raise ModelyardError("The audit chain head row is missing; the database was altered.")
    seq, prev_hash = int(head.seq), str(head.hash)
    fields: dict[str, Any] = {
        "seq": seq,
        "time": time,
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_name": target_name,
        "target_version": target_version,
        "before": before,
        "after": after,
        "request_id": request_id,
        "prev_hash": prev_hash,
    }
    digest = event_hash(**fields)
    prebuilt.execute(conn, "insert event", _INSERT, {**fields, "hash": digest})
    prebuilt.execute(conn, "set head hash", _SET_HEAD_HASH, {"new_hash": digest})
    return seq


def head(conn: sa.Connection) -> tuple[int, str] | None:
    row = conn.execute(sa.select(_h.seq, _h.hash).where(_h.id == 1)).first()
    return None if row is None else (int(row.seq), str(row.hash))


@dataclass(frozen=True, slots=True)
class EventQuery:
    model: str | None = None
    version: int | None = None
    actor: str | None = None
    action: str | None = None
    since: int | None = None
    until: int | None = None
    target_types: tuple[str, ...] = ()


def _where(query: EventQuery) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if query.model is not None:
        where.append(_t.target_name == query.model)
    if query.target_types:
        where.append(_t.target_type.in_(query.target_types))
    if query.version is not None:
        where.append(_t.target_version == query.version)
    if query.actor is not None:
        where.append(_t.actor == query.actor)
    if query.action is not None:
        where.append(_t.action == query.action)
    if query.since is not None:
        where.append(_t.time >= query.since)
    if query.until is not None:
        where.append(_t.time <= query.until)
    return where


def search(
    conn: sa.Connection,
    query: EventQuery,
    *,
    before_seq: int | None,
    limit: int,
) -> list[AuditEvent]:
    """Newest first; `before_seq` continues a previous page."""
    where = _where(query)
    if before_seq is not None:
        where.append(_t.seq < before_seq)
    stmt = sa.select(audit_events).where(*where).order_by(_t.seq.desc()).limit(limit)
    return [to_event(r) for r in conn.execute(stmt)]


def in_chain_order(
    conn: sa.Connection, query: EventQuery | None = None, *, batch: int = 1000
) -> Iterator[AuditEvent]:
    """Every matching event, oldest first, read in batches (keyset by seq)."""
    where = _where(query or EventQuery())
    last = 0
    while True:
        stmt = sa.select(audit_events).where(*where, _t.seq > last).order_by(_t.seq).limit(batch)
        rows = conn.execute(stmt).all()
        for row in rows:
            yield to_event(row)
        if len(rows) < batch:
            return
        last = int(rows[-1].seq)


def to_event(row: sa.Row[Any]) -> AuditEvent:
    return AuditEvent(
        seq=row.seq,
        time=row.time,
        actor=row.actor,
        action=row.action,
        target_type=row.target_type,
        target_name=row.target_name,
        target_version=row.target_version,
        before=row.before,
        after=row.after,
        request_id=row.request_id,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
