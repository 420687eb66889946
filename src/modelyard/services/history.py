"""Alias and stage history (which version each pointed at, when, by whom) and rollback.

The registry services write a history row for every alias change and every stage change, in
their own transaction (`alias_changed`, `stages_changed`); the rules of rollback are in
`domain/history.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from modelyard.artifacts.base import ArtifactStore
from modelyard.domain import aliases, names, stages
from modelyard.domain import policies as policy_rules
from modelyard.domain.events import REGISTERED_MODEL, ActorLike, Target
from modelyard.domain.history import (
    AliasChange,
    StageChange,
    alias_rollback_target,
    stage_rollback_plan,
)
from modelyard.domain.registry import ModelVersion
from modelyard.errors import InvalidParameter
from modelyard.services import audit, policies
from modelyard.services.common import model_row, now_ms, version_row
from modelyard.store import history, registry, versions
from modelyard.store.uow import UnitOfWork

ROLLBACK = "registered_model.rollback"
# A rollback returns to a version that held the target before: approvals and the stage it must
# come from make no sense for it, even when the policy says `rollback: checked`.
ROLLBACK_SKIPS = frozenset({policy_rules.APPROVALS_CHECK, "from_stage"})


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
    artifacts: ArtifactStore | None = None,
) -> list[ModelVersion]:
    """Move an alias or a stage back to its previous version; returns the versions changed.

    The effective policy is evaluated for the version going back: by default none of its checks
    apply (a rollback is the way out of a bad promotion, and the version held the target
    before); with `rollback: checked` every check but approvals and from_stage does. The policy
    version is recorded in the audit event either way.
    """
    name = names.validate_model_name(name)
    if (alias is None) == (stage is None):
        raise InvalidParameter("Give exactly one of 'alias' and 'stage' to roll back.")
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        if alias is not None:
            numbers = _rollback_alias(
                conn, model, aliases.validate_settable_alias(alias), actor, artifacts
            )
        else:
            numbers = _rollback_stage(conn, model, stages.canonical_stage(stage), actor, artifacts)
        return versions.load_versions(conn, [version_row(conn, model, n) for n in numbers])


def _rollback_policy(
    conn: sa.Connection,
    model: sa.Row[Any],
    number: int,
    target: policy_rules.Target,
    artifacts: ArtifactStore | None,
) -> dict[str, Any] | None:
    """The policy version governing the rollback, for its audit event; PermissionDenied when
    the policy says `rollback: checked` and a check fails."""
    policy = policies.effective_policy(conn, model)
    if policy is None:
        return None
    checked = policy.policy.rollback_checked
    if checked:
        verdict = policies.evaluate_promotion(
            conn,
            model,
            version_row(conn, model, number),
            target,
            artifacts=artifacts,
            skip=ROLLBACK_SKIPS,
        )
        if not verdict.allowed:
            raise policies.refusal(verdict)
    return {
        **(policies.policy_ref(policy) or {}),
        "rollback": "checked" if checked else "unchecked",
    }


def _rollback_alias(
    conn: sa.Connection,
    model: sa.Row[Any],
    alias: str,
    actor: ActorLike,
    artifacts: ArtifactStore | None,
) -> list[int]:
    changes = _alias_changes(history.alias_rows(conn, model.id, alias))
    existing = history.stages_of_versions(conn, model.id)
    target = alias_rollback_target(alias, changes, existing)
    policy = _rollback_policy(
        conn, model, target, policy_rules.Target(policy_rules.ALIAS, alias), artifacts
    )
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
        after={"alias": alias, "version": target, "policy": policy},
    )
    return [target]


def _rollback_stage(
    conn: sa.Connection,
    model: sa.Row[Any],
    stage: str,
    actor: ActorLike,
    artifacts: ArtifactStore | None,
) -> list[int]:
    changes = _stage_changes(history.stage_rows(conn, model.id, stage))
    plan = stage_rollback_plan(stage, changes, history.stages_of_versions(conn, model.id))
    # Only the version entering the stage is evaluated; the one leaving returns to its own.
    policy = _rollback_policy(
        conn, model, plan.previous, policy_rules.Target(policy_rules.STAGE, stage), artifacts
    )
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
            "policy": policy,
        },
    )
    return [plan.previous, plan.current]
