"""What retention reads about a model's versions (stages, aliases, live approval requests) and
the two bulk changes it makes (archive, delete)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from modelyard.domain.governance import PENDING
from modelyard.domain.retention import VersionState
from modelyard.store.governance_tables import approval_requests
from modelyard.store.tables import model_versions, registered_model_aliases
from modelyard.store.versions import chunks

mv = model_versions.c
alias_t = registered_model_aliases.c
req = approval_requests.c


def version_states(conn: sa.Connection, model_id: int, now: int) -> list[VersionState]:
    """Every version of the model with its aliases and its approval requests still pending and
    not expired at `now`."""
    rows = conn.execute(
        sa.select(mv.id, mv.version, mv.current_stage, mv.status).where(mv.model_id == model_id)
    ).all()
    aliases: dict[int, list[str]] = {}
    for alias, version_id in conn.execute(
        sa.select(alias_t.alias, alias_t.version_id)
        .where(alias_t.model_id == model_id)
        .order_by(alias_t.alias)
    ):
        aliases.setdefault(version_id, []).append(alias)
    pending: dict[int, list[int]] = {}
    for request_id, version_id in conn.execute(
        sa.select(req.id, req.version_id)
        .where(req.model_id == model_id, req.status == PENDING, req.expires_at > now)
        .order_by(req.id)
    ):
        pending.setdefault(version_id, []).append(request_id)
    return [
        VersionState(
            version=int(r.version),
            stage=str(r.current_stage),
            status=str(r.status),
            aliases=tuple(aliases.get(r.id, ())),
            pending_requests=tuple(pending.get(r.id, ())),
        )
        for r in rows
    ]


def archive_versions(
    conn: sa.Connection, model_id: int, numbers: Sequence[int], *, stage: str, now: int
) -> None:
    for part in chunks(numbers):
        conn.execute(
            sa.update(model_versions)
            .where(mv.model_id == model_id, mv.version.in_(list(part)))
            .values(current_stage=stage, last_updated_time=now)
        )


def delete_versions(conn: sa.Connection, model_id: int, numbers: Sequence[int]) -> None:
    # Tags, aliases, files and approval requests go with them (ON DELETE CASCADE).
    for part in chunks(numbers):
        conn.execute(
            sa.delete(model_versions).where(mv.model_id == model_id, mv.version.in_(list(part)))
        )
