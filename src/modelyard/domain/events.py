"""Audit events and the hash chain that links them. Pure: no I/O.

Each event's `hash` is the sha256 of the canonical JSON of its fields and the previous event's
hash (`prev_hash`), so editing, deleting or inserting a row breaks the chain at that row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from modelyard.errors import InvalidParameter

GENESIS_HASH = "0" * 64
ANONYMOUS = "anonymous"

# Target types: what an event is about.
REGISTERED_MODEL = "registered_model"
MODEL_VERSION = "model_version"
EXPERIMENT = "experiment"
RUN = "run"
LOGGED_MODEL = "logged_model"
USER = "user"
GROUP = "group"
MODEL_TARGETS = (REGISTERED_MODEL, MODEL_VERSION)
# The actor of changes the server makes by itself (ending an interrupted registration).
SERVER = "modelyard"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who changes something, and the request that carried the change."""

    name: str = ANONYMOUS
    request_id: str | None = None
    # The authenticated user's id, when access control is on: what they create, they manage.
    user_id: int | None = None


# What services accept as their `actor`: a context, a bare user name, or nobody (anonymous).
ActorLike = Actor | str | None


def as_actor(actor: ActorLike) -> Actor:
    if isinstance(actor, Actor):
        return actor
    return Actor(name=actor or ANONYMOUS)


@dataclass(frozen=True, slots=True)
class Target:
    """What an event is about: a model (and version), a run, an experiment, a logged model."""

    type: str
    name: str
    version: int | None = None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    seq: int
    time: int
    actor: str
    action: str
    target_type: str
    target_name: str
    target_version: int | None
    before: str | None  # JSON text of the changed fields before the change
    after: str | None  # ... and after
    request_id: str | None
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        """The event as JSON-ready values; `before`/`after` decoded."""
        return {
            "seq": self.seq,
            "time": self.time,
            "actor": self.actor,
            "action": self.action,
            "target_type": self.target_type,
            "target_name": self.target_name,
            "target_version": self.target_version,
            "before": json.loads(self.before) if self.before else None,
            "after": json.loads(self.after) if self.after else None,
            "request_id": self.request_id,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def encode_fields(values: dict[str, Any] | None) -> str | None:
    """`before`/`after` as stored: compact JSON with sorted keys; None for nothing."""
    if values is None:
        return None
    return json.dumps(values, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(
    *,
    seq: int,
    time: int,
    actor: str,
    action: str,
    target_type: str,
    target_name: str,
    target_version: int | None,
    before: str | None,
    after: str | None,
    request_id: str | None,
    prev_hash: str,
) -> str:
    """sha256 (hex) over the canonical JSON of an event's fields and the previous hash."""
    canonical = json.dumps(
        [
            seq,
            time,
            actor,
            action,
            target_type,
            target_name,
            target_version,
            before,
            after,
            request_id,
            prev_hash,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def expected_hash(event: AuditEvent) -> str:
    return event_hash(
        seq=event.seq,
        time=event.time,
        actor=event.actor,
        action=event.action,
        target_type=event.target_type,
        target_name=event.target_name,
        target_version=event.target_version,
        before=event.before,
        after=event.after,
        request_id=event.request_id,
        prev_hash=event.prev_hash,
    )


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None


class ChainChecker:
    """Feeds events in `seq` order; stops at the first one that breaks the chain.

    Checks: sequence numbers are consecutive from 1 (a gap is a deleted row), each event's
    prev_hash is the previous event's hash, each hash matches its fields (an edited or forged
    row), and the last event is the one the chain head names (a row deleted from or added at
    the end).
    """

    def __init__(self) -> None:
        self.seq = 0
        self.hash = GENESIS_HASH
        self.result: VerifyResult | None = None

    def feed(self, events: Iterable[AuditEvent]) -> bool:
        """False once a bad event was found (`result` says which)."""
        for event in events:
            reason = self._problem(event)
            if reason is not None:
                bad = self.seq + 1 if event.seq > self.seq + 1 else event.seq
                self.result = VerifyResult(False, self.seq, bad, reason)
                return False
            self.seq, self.hash = event.seq, event.hash
        return True

    def _problem(self, event: AuditEvent) -> str | None:
        if event.seq != self.seq + 1:
            return f"event {self.seq + 1} is missing (the next event found is {event.seq})"
        if event.prev_hash != self.hash:
            return f"event {event.seq} does not link to the event before it (prev_hash differs)"
        if expected_hash(event) != event.hash:
            return f"event {event.seq} was altered (its hash does not match its fields)"
        return None

    def finish(self, head_seq: int, head_hash: str) -> VerifyResult:
        if self.result is not None:
            return self.result
        if head_seq != self.seq or head_hash != self.hash:
            if head_seq > self.seq:
                return VerifyResult(
                    False, self.seq, self.seq + 1, f"event {self.seq + 1} is missing (deleted)"
                )
            return VerifyResult(
                False,
                self.seq,
                head_seq + 1 if head_seq < self.seq else self.seq,
                f"the chain head names event {head_seq}, but the events go on to {self.seq}",
            )
        return VerifyResult(True, self.seq)


def check_time_range(since: int | None, until: int | None) -> None:
    if since is not None and until is not None and since > until:
        raise InvalidParameter(f"'since' ({since}) is after 'until' ({until}).")
