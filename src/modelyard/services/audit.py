"""The audit trail: every mutating service records one event in its own transaction; events
are queried, exported and their hash chain verified here."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from modelyard.domain import names, pagination
from modelyard.domain.events import (
    MODEL_TARGETS,
    ActorLike,
    AuditEvent,
    ChainChecker,
    Target,
    VerifyResult,
    as_actor,
    check_time_range,
    encode_fields,
)
from modelyard.domain.registry import Page
from modelyard.errors import InvalidParameter
from modelyard.services.common import now_ms
from modelyard.store import events
from modelyard.store.uow import UnitOfWork

DEFAULT_EVENTS_PER_PAGE = 100
MAX_EVENTS_PER_PAGE = 1000


def record(
    conn: sa.Connection,
    actor: ActorLike,
    action: str,
    target: Target,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> int:
    """Append one audit event inside the caller's transaction (one UPDATE, INSERT, UPDATE).

    Call it last in the transaction: it takes the chain head's row lock until commit.
    """
    who = as_actor(actor)
    return events.append(
        conn,
        time=now_ms(),
        actor=who.name,
        action=action,
        target_type=target.type,
        target_name=target.name,
        target_version=target.version,
        before=encode_fields(before),
        after=encode_fields(after),
        request_id=who.request_id,
    )


def actor_name(actor: ActorLike) -> str:
    return as_actor(actor).name


def verify_chain(uow: UnitOfWork) -> VerifyResult:
    """Recompute the hash chain; names the first event that was edited, deleted or inserted."""
    checker = ChainChecker()
    with uow.read() as conn:
        if checker.feed(events.in_chain_order(conn)):
            head = events.head(conn)
            if head is None:
                return VerifyResult(False, checker.seq, 1, "the chain head row is missing")
            return checker.finish(*head)
        assert checker.result is not None
        return checker.result


def _query(
    model: str | None,
    version: str | int | None,
    actor: str | None,
    action: str | None,
    since: int | None,
    until: int | None,
) -> events.EventQuery:
    number = None
    if version is not None and version != "":
        if not model:
            raise InvalidParameter("'version' needs 'model'.")
        number = names.parse_version(version)
    check_time_range(since, until)
    return events.EventQuery(
        model=model or None,
        version=number,
        actor=actor or None,
        action=action or None,
        since=since,
        until=until,
        target_types=MODEL_TARGETS if model else (),
    )


def list_events(
    uow: UnitOfWork,
    *,
    model: str | None = None,
    version: str | int | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: int | None = None,
    until: int | None = None,
    max_results: int | None = None,
    page_token: str | None = None,
) -> Page[AuditEvent]:
    """Matching events, newest first, a page at a time."""
    query = _query(model, version, actor, action, since, until)
    limit = pagination.check_max_results(
        max_results, default=DEFAULT_EVENTS_PER_PAGE, limit=MAX_EVENTS_PER_PAGE
    )
    before_seq = _decode_token(page_token)
    with uow.read() as conn:
        found = events.search(conn, query, before_seq=before_seq, limit=limit + 1)
    token = _encode_token(found[limit - 1].seq) if len(found) > limit else None
    return Page(items=found[:limit], next_page_token=token)


def export_events(
    uow: UnitOfWork,
    *,
    model: str | None = None,
    actor: str | None = None,
    since: int | None = None,
    until: int | None = None,
) -> Iterator[AuditEvent]:
    """Every matching event, oldest first (chain order), read in one transaction."""
    query = _query(model, None, actor, None, since, until)

    def generate() -> Iterator[AuditEvent]:
        with uow.read() as conn:
            yield from events.in_chain_order(conn, query)

    return generate()


def _encode_token(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode()


def _decode_token(token: str | None) -> int | None:
    if not token:
        return None
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidParameter(f"Invalid page token {token[:64]!r}.") from None
    prefix, _, digits = text.partition(":")
    if prefix != "seq" or not digits.isdigit() or len(digits) > 12:
        raise InvalidParameter(f"Invalid page token {token[:64]!r}.")
    return int(digits)
