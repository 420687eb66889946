"""Alias and stage history (which version each pointed at, when, by whom) and rollback.

The registry services write a history row for every alias change and every stage change, in
their own transaction (`alias_changed`, `stages_changed`); the rules of rollback are in
`domain/history.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from modelyard.domain import aliases, names, stages
from modelyard.domain.events import REGISTERED_MODEL, ActorLike, Target
from modelyard.domain.history import (
    AliasChange,
    StageChange,
    alias_rollback_target,
    stage_rollback_plan,
)
from modelyard.domain.registry import ModelVersion
from modelyard.errors import InvalidParameter
from modelyard.services import audit
from modelyard.services.common import model_row, now_ms, version_row
from modelyard.store import history, registry, versions
from modelyard.store.uow import UnitOfWork

ROLLBACK = "registered_model.rollback"


def alias_changed(
    conn: sa.Connection,
    model_id: int,
    alias: str,
    *,
    version: int | None,
    from_version: int | None,
    actor: ActorLike,
    action: str,
    now: int,
) -> None:
    history.add(
        conn,
        model_id=model_id,
        kind=history.ALIAS,
        name=alias,
        version=version,
        from_version=from_version,
        time=now,
        actor=audit.actor_name(actor),
        action=action,
    )


def stages_changed(
    conn: sa.Connection,
    model_id: int,
    moves: Sequence[tuple[int, str, str]],
    *,
    actor: ActorLike,
    action: str,
    now: int,
) -> None:
    """One row per (version, from_stage, to_stage) that really changed."""
    for version, from_stage, to_stage in moves:
        if from_stage == to_stage:
            continue
        history.add(
            conn,
            model_id=model_id,
            kind=history.STAGE,
            name=to_stage,
            version=version,
            from_stage=from_stage,
            time=now,
            actor=audit.actor_name(actor),
            action=action,
        )


def _alias_changes(rows: list[sa.Row[Any]]) -> list[AliasChange]:
    return [AliasChange(r.name, r.version, r.from_version, r.time, r.actor, r.action) for r in rows]


def _stage_changes(rows: list[sa.Row[Any]]) -> list[StageChange]:
    return [StageChange(r.version, r.from_stage, r.name, r.time, r.actor, r.action) for r in rows]


def alias_history(uow: UnitOfWork, *, name: str | None, alias: str | None) -> list[AliasChange]:
    """Every change of the alias, newest first."""
    name = names.validate_model_name(name)
    alias = aliases.validate_alias(alias)
    with uow.read() as conn:
        model = model_row(conn, name)
        return _alias_changes(history.alias_rows(conn, model.id, alias))


def stage_history(uow: UnitOfWork, *, name: str | None, stage: str | None) -> list[StageChange]:
    """Every version that entered or left the stage, newest first."""
    name = names.validate_model_name(name)
    target = stages.canonical_stage(stage)
    with uow.read() as conn:
        model = model_row(conn, name)
        return _stage_changes(history.stage_rows(conn, model.id, target))


def rollback(
    uow: UnitOfWork,
    *,
    name: str | None,
    alias: str | None = None,
    stage: str | None = None,
    actor: ActorLike = None,
) -> list[ModelVersion]:
    """Move an alias or a stage back to its previous version; returns the versions changed."""
    name = names.validate_model_name(name)
    if (alias is None) == (stage is None):
        raise InvalidParameter("Give exactly one of 'alias' and 'stage' to roll back.")
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        if alias is not None:
            numbers = _rollback_alias(conn, model, aliases.validate_settable_alias(alias), actor)
        else:
            numbers = _rollback_stage(conn, model, stages.canonical_stage(stage), actor)
        return versions.load_versions(conn, [version_row(conn, model, n) for n in numbers])


def _rollback_alias(
    conn: sa.Connection, model: sa.Row[Any], alias: str, actor: ActorLike
) -> list[int]:
    changes = _alias_changes(history.alias_rows(conn, model.id, alias))
    existing = history.stages_of_versions(conn, model.id)
    target = alias_rollback_target(alias, changes, existing)
    current = versions.find_version_by_alias(conn, model.name, alias)
    current_number = None if current is None else int(current.version)
    now = now_ms()
    versions.set_alias(
        conn, model_id=model.id, alias=alias, version_id=version_row(conn, model, target).id
    )
    registry.update_model(conn, model.id, last_updated_time=now)
    alias_changed(
        conn,
        model.id,
        alias,
        version=target,
        from_version=current_number,
        actor=actor,
        action=ROLLBACK,
        now=now,
    )
    audit.record(
        conn,
        actor,
        ROLLBACK,
        Target(REGISTERED_MODEL, model.name),
        before={"alias": alias, "version": current_number},
        after={"alias": alias, "version": target},
    )
    return [target]


def _rollback_stage(
    conn: sa.Connection, model: sa.Row[Any], stage: str, actor: ActorLike
) -> list[int]:
    changes = _stage_changes(history.stage_rows(conn, model.id, stage))
    plan = stage_rollback_plan(stage, changes, history.stages_of_versions(conn, model.id))
    now = now_ms()
    moves = [
        (plan.current, stage, plan.current_back_to),
        (plan.previous, plan.previous_from, stage),
    ]
    for number, _, to_stage in moves:
        row = version_row(conn, model, number)
        versions.update_version(conn, row.id, current_stage=to_stage, last_updated_time=now)
    registry.update_model(conn, model.id, last_updated_time=now)
    stages_changed(conn, model.id, moves, actor=actor, action=ROLLBACK, now=now)
    audit.record(
        conn,
        actor,
        ROLLBACK,
        Target(REGISTERED_MODEL, model.name),
        before={"stage": stage, "stages": {plan.current: stage, plan.previous: plan.previous_from}},
        after={
            "stage": stage,
            "stages": {plan.current: plan.current_back_to, plan.previous: stage},
        },
    )
    return [plan.previous, plan.current]
