"""Alias and stage history rows (see events_tables.alias_stage_history)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from modelyard.store.events_tables import alias_stage_history
from modelyard.store.tables import model_versions

ALIAS = "alias"
STAGE = "stage"
_t = alias_stage_history.c
_INSERT = sa.insert(alias_stage_history)


def add(
    conn: sa.Connection,
    *,
    model_id: int,
    kind: str,
    name: str,
    version: int | None,
    from_version: int | None = None,
    from_stage: str | None = None,
    time: int,
    actor: str,
    action: str,
) -> None:
    conn.execute(
        _INSERT,
        {
            "model_id": model_id,
            "kind": kind,
            "name": name,
            "version": version,
            "from_version": from_version,
            "from_stage": from_stage,
            "time": time,
            "actor": actor,
            "action": action,
        },
    )


def alias_rows(conn: sa.Connection, model_id: int, alias: str) -> list[sa.Row[Any]]:
    """Newest first."""
    stmt = (
        sa.select(alias_stage_history)
        .where(_t.model_id == model_id, _t.kind == ALIAS, _t.name == alias)
        .order_by(_t.id.desc())
    )
    return list(conn.execute(stmt))


def stage_rows(conn: sa.Connection, model_id: int, stage: str) -> list[sa.Row[Any]]:
    """Every change into or out of `stage`, newest first."""
    stmt = (
        sa.select(alias_stage_history)
        .where(
            _t.model_id == model_id,
            _t.kind == STAGE,
            sa.or_(_t.name == stage, _t.from_stage == stage),
        )
        .order_by(_t.id.desc())
    )
    return list(conn.execute(stmt))


def version_rows(conn: sa.Connection, model_id: int, version: int) -> list[sa.Row[Any]]:
    """Every stage change of one version and every alias change to or from it, oldest first."""
    stmt = (
        sa.select(alias_stage_history)
        .where(
            _t.model_id == model_id,
            sa.or_(
                _t.version == version,
                sa.and_(_t.kind == ALIAS, _t.from_version == version),
            ),
        )
        .order_by(_t.id)
    )
    return list(conn.execute(stmt))


def versions_in_stage(
    conn: sa.Connection, model_id: int, stage: str, *, except_id: int
) -> list[int]:
    """Numbers of the model's versions in `stage`, but the one with primary key `except_id`."""
    stmt = (
        sa.select(model_versions.c.version)
        .where(
            model_versions.c.model_id == model_id,
            model_versions.c.current_stage == stage,
            model_versions.c.id != except_id,
        )
        .order_by(model_versions.c.version)
    )
    return list(conn.execute(stmt).scalars())


def stages_of_versions(conn: sa.Connection, model_id: int) -> dict[int, str]:
    stmt = sa.select(model_versions.c.version, model_versions.c.current_stage).where(
        model_versions.c.model_id == model_id
    )
    return {int(r.version): str(r.current_stage) for r in conn.execute(stmt)}
