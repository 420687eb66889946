"""Retention: archive (or delete) all but the newest N versions of a registered model.

The rules (what is kept, what is protected) are in `domain/retention.py`. A real run is one
transaction holding the model's row lock, so no transition, alias change or approval request
can slip in between the plan and the change; it writes one audit event per changed version
(and, for archive, a stage history row each). A dry run plans in a read transaction and
writes nothing.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from modelyard.artifacts.base import ArtifactStore
from modelyard.domain import names, stages
from modelyard.domain import policies as policy_rules
from modelyard.domain import retention as rules
from modelyard.domain.events import MODEL_VERSION, ActorLike, Target
from modelyard.domain.retention import ARCHIVE, RetentionPlan
from modelyard.services import audit, history, policies
from modelyard.services.common import model_row, now_ms, version_row
from modelyard.store import registry
from modelyard.store import retention as store
from modelyard.store.uow import UnitOfWork

RETENTION_ARCHIVE = "model_version.retention_archive"
RETENTION_DELETE = "model_version.retention_delete"


def apply_retention(
    uow: UnitOfWork,
    *,
    name: str | None,
    keep: object,
    action: object = ARCHIVE,
    dry_run: bool = False,
    actor: ActorLike = None,
    artifacts: ArtifactStore | None = None,
) -> RetentionPlan:
    """Archive or delete every version but the newest `keep`, sparing protected ones.

    Archiving moves versions to the Archived stage, so a policy rule for `stage: Archived`
    applies to each of them: one refusal refuses the whole run (PermissionDenied), in a dry run
    too. Deleting is not guarded by policies.

    Raises:
        InvalidParameter: `keep` not a whole number >= 0, or an unknown action.
        NotFound: no such model.
        PermissionDenied: a policy rule for Archived refuses one of the versions.
    """
    name = names.validate_model_name(name)
    keep, action = rules.validate(keep, action)
    if dry_run:
        with uow.read() as conn:
            model = model_row(conn, name)
            plan = _plan(conn, model, keep, action, dry_run=True)
            _check_archive(conn, model, plan, artifacts)
            return plan
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        plan = _plan(conn, model, keep, action, dry_run=False)
        policy = _check_archive(conn, model, plan, artifacts)
        if plan.changed:
            _apply(conn, model, plan, actor, policy)
        return plan


def _plan(
    conn: sa.Connection, model: sa.Row[Any], keep: int, action: str, *, dry_run: bool
) -> RetentionPlan:
    states = store.version_states(conn, model.id, now_ms())
    return rules.plan_retention(model.name, states, keep=keep, action=action, dry_run=dry_run)


def _check_archive(
    conn: sa.Connection, model: sa.Row[Any], plan: RetentionPlan, artifacts: ArtifactStore | None
) -> dict[str, Any] | None:
    """The policy version that allows the archiving (None: no policy, or deleting)."""
    if plan.action != ARCHIVE or not plan.changed:
        return None
    policy = policies.effective_policy(conn, model)
    target = policy_rules.Target(policy_rules.STAGE, stages.ARCHIVED)
    if policy is not None and policy.policy.rule_for(target) is not None:
        for number in plan.changed_versions:
            policies.enforce(
                conn, model, version_row(conn, model, number), target, artifacts=artifacts
            )
    return policies.policy_ref(policy)


def _apply(
    conn: sa.Connection,
    model: sa.Row[Any],
    plan: RetentionPlan,
    actor: ActorLike,
    policy: dict[str, Any] | None,
) -> None:
    now = now_ms()
    numbers = plan.changed_versions
    why = {"keep": plan.keep, "action": plan.action}
    if plan.action == ARCHIVE:
        store.archive_versions(conn, model.id, numbers, stage=stages.ARCHIVED, now=now)
        moves = [(v, stage, stages.ARCHIVED) for v, stage in plan.changed]
        history.stages_changed(
            conn, model.id, moves, actor=actor, action=RETENTION_ARCHIVE, now=now
        )
    else:
        store.delete_versions(conn, model.id, numbers)
    registry.update_model(conn, model.id, last_updated_time=now)
    # Audit events last: each takes the chain head's lock until commit.
    for number, stage in plan.changed:
        target = Target(MODEL_VERSION, model.name, number)
        if plan.action == ARCHIVE:
            audit.record(
                conn,
                actor,
                RETENTION_ARCHIVE,
                target,
                before={"current_stage": stage},
                after={"current_stage": stages.ARCHIVED, "retention": why, "policy": policy},
            )
        else:
            audit.record(
                conn,
                actor,
                RETENTION_DELETE,
                target,
                before={"current_stage": stage},
                after={"retention": why},
            )
