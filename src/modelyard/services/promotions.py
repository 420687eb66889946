"""Promote a version to a stage or an alias through modelyard's own API, and apply an approved
change inside the approval's transaction.

A direct promotion goes through the same services as the MLflow routes
(`versions.transition_model_version_stage`, `aliases.set_registered_model_alias`), which check
the policy in their transaction. `apply_change` is the approval path's twin of those two: the
caller has locked the model row and evaluated the policy (approvals included) first.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from modelyard.artifacts.base import ArtifactStore
from modelyard.domain import stages
from modelyard.domain.events import MODEL_VERSION, REGISTERED_MODEL, ActorLike
from modelyard.domain.events import Target as EventTarget
from modelyard.domain.governance import PromotionCheck
from modelyard.domain.policies import STAGE, Target
from modelyard.domain.registry import ModelVersion
from modelyard.services import aliases, audit, history, policies, versions
from modelyard.store import history as history_store
from modelyard.store import registry
from modelyard.store import versions as version_store
from modelyard.store.uow import UnitOfWork

APPROVED_TRANSITION = "model_version.transition_stage"
APPROVED_ALIAS = "registered_model.alias_set"


def promote(
    uow: UnitOfWork,
    *,
    name: str | None,
    version: str | int | None,
    target: Target,
    actor: ActorLike = None,
    artifacts: ArtifactStore | None = None,
) -> ModelVersion:
    """Apply the change now, or PermissionDenied (403) naming every failed check."""
    if target.kind == STAGE:
        return versions.transition_model_version_stage(
            uow, name=name, version=version, stage=target.value, actor=actor, artifacts=artifacts
        )
    aliases.set_registered_model_alias(
        uow, name=name, alias=target.value, version=version, actor=actor, artifacts=artifacts
    )
    return versions.get_model_version(uow, name=name, version=version)


def apply_change(
    conn: sa.Connection,
    model: sa.Row[Any],
    row: sa.Row[Any],
    verdict: PromotionCheck,
    *,
    actor: ActorLike,
    now: int,
    request_id: int,
) -> None:
    """Move `row` to the verdict's target (archiving the stage's other versions when the
    policy says so), with its history rows and audit event, in the caller's transaction."""
    target = verdict.target
    policy_version = verdict.policy.version if verdict.policy is not None else None
    why = {
        "approval_request": request_id,
        "policy_version": policy_version,
        "policy": policies.policy_ref(verdict.policy),
    }
    if target.kind == STAGE:
        archived = []
        if verdict.archive_existing and target.value in stages.ACTIVE_STAGES:
            archived = history_store.versions_in_stage(
                conn, model.id, target.value, except_id=row.id
            )
        version_store.update_version(
            conn, row.id, current_stage=target.value, last_updated_time=now
        )
        if archived:
            version_store.archive_stage(
                conn, model_id=model.id, stage=target.value, keep_version_id=row.id, now=now
            )
        moves = [
            (row.version, row.current_stage, target.value),
            *((v, target.value, stages.ARCHIVED) for v in archived),
        ]
        history.stages_changed(
            conn, model.id, moves, actor=actor, action=APPROVED_TRANSITION, now=now
        )
        registry.update_model(conn, model.id, last_updated_time=now)
        audit.record(
            conn,
            actor,
            APPROVED_TRANSITION,
            EventTarget(MODEL_VERSION, model.name, row.version),
            before={"current_stage": row.current_stage},
            after={"current_stage": target.value, "archived_versions": archived, **why},
        )
        return
    old = version_store.find_version_by_alias(conn, model.name, target.value)
    old_number = None if old is None else int(old.version)
    version_store.set_alias(conn, model_id=model.id, alias=target.value, version_id=row.id)
    registry.update_model(conn, model.id, last_updated_time=now)
    if old_number != row.version:
        history.alias_changed(
            conn,
            model.id,
            target.value,
            version=row.version,
            from_version=old_number,
            actor=actor,
            action=APPROVED_ALIAS,
            now=now,
        )
    audit.record(
        conn,
        actor,
        APPROVED_ALIAS,
        EventTarget(REGISTERED_MODEL, model.name, row.version),
        before={"alias": target.value, "version": old_number},
        after={"alias": target.value, "version": row.version, **why},
    )
