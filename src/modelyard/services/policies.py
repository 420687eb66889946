"""Promotion policies: store them (versioned), and check every stage or alias change against them.

The effective policy of a registered model is its newest policy version, else the newest version
of the server-wide default, else none (everything is allowed). `enforce` runs INSIDE the
transaction of every change of a stage or an alias (the MLflow routes, modelyard's own API, the
approval path), so a refused change writes nothing and answers PERMISSION_DENIED (403).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from modelyard.artifacts.base import ArtifactStore
from modelyard.domain import aliases, names, stages
from modelyard.domain import policy_documents as documents
from modelyard.domain.events import REGISTERED_MODEL, ActorLike, as_actor
from modelyard.domain.events import Target as EventTarget
from modelyard.domain.governance import PolicyVersion, PromotionCheck
from modelyard.domain.policies import (
    ALIAS,
    APPROVALS_CHECK,
    STAGE,
    CheckResult,
    Facts,
    Policy,
    Rule,
    Target,
    evaluate,
)
from modelyard.errors import InvalidParameter, NotFound, PermissionDenied
from modelyard.services import audit
from modelyard.services.common import model_row, now_ms, version_row
from modelyard.store import governance, users, version_files
from modelyard.store.uow import UnitOfWork

MAX_HISTORY = 1000
# An MLmodel file is a few hundred bytes; a larger one is not read for the signature check.
MAX_MLMODEL_BYTES = 1024 * 1024


def parse_target(stage: str | None, alias: str | None) -> Target:
    """Exactly one of a stage and an alias, validated."""
    if (stage is None) == (alias is None):
        raise InvalidParameter("Give exactly one target: a stage or an alias.")
    if stage is not None:
        return Target(STAGE, stages.canonical_stage(stage))
    return Target(ALIAS, aliases.validate_settable_alias(alias))


# --- storing policies --------------------------------------------------------------------------


def put_policy(
    uow: UnitOfWork, *, model: str | None, document: str | dict[str, Any], actor: ActorLike = None
) -> PolicyVersion:
    """Store a new version of the model's policy (or of the default, `model` None).

    `document` is YAML or JSON text, or an already decoded JSON document.
    """
    policy = (
        documents.parse_text(document)
        if isinstance(document, str)
        else documents.parse_document(document)
    )
    name = names.validate_model_name(model) if model is not None else None
    with uow.write() as conn:
        model_id = model_row(conn, name, for_update=True).id if name is not None else None
        _check_groups(conn, policy)
        row = governance.insert_policy(
            conn,
            model_id=model_id,
            document=documents.dumps(policy),
            created_time=now_ms(),
            actor=as_actor(actor).name,
        )
        audit.record(
            conn,
            actor,
            "policy.put",
            EventTarget(REGISTERED_MODEL, name or "*"),
            after={"policy_version": row.version, "default": name is None},
        )
        return _policy_version(row, name)


def _check_groups(conn: sa.Connection, policy: Policy) -> None:
    unknown = policy.named_groups() - set(policy.groups) - set(users.groups_with_members(conn))
    if unknown:
        raise InvalidParameter(
            f"Invalid policy: group {sorted(unknown)[0]!r} is defined neither under `groups` "
            "nor on the server (modelyard groups create)."
        )


def get_policy(uow: UnitOfWork, *, model: str | None) -> PolicyVersion:
    """The newest version of the model's own policy (or of the default); NotFound if none."""
    found = policy_history(uow, model=model, limit=1)
    if not found:
        owner = f"model {model}" if model is not None else "the server default"
        raise NotFound(f"No policy for {owner}.")
    return found[0]


def policy_history(
    uow: UnitOfWork, *, model: str | None, limit: int = MAX_HISTORY
) -> list[PolicyVersion]:
    name = names.validate_model_name(model) if model is not None else None
    with uow.read() as conn:
        model_id = model_row(conn, name).id if name is not None else None
        rows = governance.policy_history(conn, model_id, limit=min(limit, MAX_HISTORY))
        return [_policy_version(row, name) for row in rows]


def _policy_version(row: sa.Row[Any], model: str | None) -> PolicyVersion:
    return PolicyVersion(
        model=model,
        version=row.version,
        policy=documents.parse_document(json.loads(row.document)),
        created_time=row.created_time,
        actor=row.actor,
    )


def effective_policy(conn: sa.Connection, model: sa.Row[Any]) -> PolicyVersion | None:
    """The model's newest policy version, else the default's, else None."""
    row = governance.newest_policy(conn, model.id)
    found = _policy_version(row, model.name) if row is not None else None
    if found is None:
        row = governance.newest_policy(conn, None)
        found = _policy_version(row, None) if row is not None else None
    if found is None or not found.policy.named_groups() - set(found.policy.groups):
        return found
    merged = found.policy.with_server_groups(users.groups_with_members(conn))
    return dataclasses.replace(found, policy=merged)


def policy_ref(policy: PolicyVersion | None) -> dict[str, Any] | None:
    """How an audit event names the policy version that allowed a change: the effective policy
    when the change was checked (whether or not it has a rule for the target), None when there
    was no policy at all."""
    if policy is None:
        return None
    return {"scope": "default" if policy.model is None else "model", "version": policy.version}


# --- checking ----------------------------------------------------------------------------------


def evaluate_promotion(
    conn: sa.Connection,
    model: sa.Row[Any],
    version: sa.Row[Any],
    target: Target,
    *,
    artifacts: ArtifactStore | None = None,
    requester: str | None = None,
    approvers: Iterable[str] = (),
    skip: frozenset[str] = frozenset(),
) -> PromotionCheck:
    """Every check of the effective policy's rule for `target`, on `version`."""
    policy = effective_policy(conn, model)
    rule = policy.policy.rule_for(target) if policy is not None else None
    if policy is None or rule is None:
        return PromotionCheck(model.name, version.version, target, policy, [])
    facts = _facts(conn, version, rule, artifacts, requester, tuple(approvers))
    return PromotionCheck(
        model.name,
        version.version,
        target,
        policy,
        evaluate(rule, facts, policy=policy.policy, skip=skip),
        needs_approval=rule.needs_approval,
        archive_existing=rule.archive_existing,
    )


def check_promotion(
    conn: sa.Connection,
    model: sa.Row[Any],
    version: sa.Row[Any],
    target: Target,
    *,
    artifacts: ArtifactStore | None = None,
) -> list[CheckResult]:
    return evaluate_promotion(conn, model, version, target, artifacts=artifacts).checks


def enforce(
    conn: sa.Connection,
    model: sa.Row[Any],
    version: sa.Row[Any],
    target: Target,
    *,
    artifacts: ArtifactStore | None = None,
) -> PromotionCheck:
    """Check a direct change (no approvals); PermissionDenied listing every failed check."""
    verdict = evaluate_promotion(conn, model, version, target, artifacts=artifacts)
    if not verdict.allowed:
        raise refusal(verdict)
    return verdict


def refusal(verdict: PromotionCheck) -> PermissionDenied:
    assert verdict.policy is not None
    lines = [
        f"Policy check failed: model {verdict.model} version {verdict.version} cannot move to "
        f"{verdict.target} ({verdict.policy.describe()})."
    ]
    lines += [f"  - {c.describe()}" for c in verdict.failed]
    if any(c.name == APPROVALS_CHECK for c in verdict.failed):
        flag = f"--{verdict.target.kind} {verdict.target.value}"
        lines.append(
            "This change needs approval: request it with "
            f"`modelyard approvals request {verdict.model} {verdict.version} {flag}` "
            "(or POST /api/v1/approvals)."
        )
    return PermissionDenied("\n".join(lines))


def check(
    uow: UnitOfWork,
    *,
    name: str | None,
    version: str | int | None,
    target: Target,
    artifacts: ArtifactStore | None = None,
) -> PromotionCheck:
    """Dry run: the checks a direct change would face, without changing anything."""
    name = names.validate_model_name(name)
    number = names.parse_version(version)
    with uow.read() as conn:
        model = model_row(conn, name)
        return evaluate_promotion(
            conn, model, version_row(conn, model, number), target, artifacts=artifacts
        )


def _facts(
    conn: sa.Connection,
    version: sa.Row[Any],
    rule: Rule,
    artifacts: ArtifactStore | None,
    requester: str | None,
    approvers: tuple[str, ...],
) -> Facts:
    metrics: dict[str, float] | None = None
    if rule.metrics and version.run_id:
        metrics = governance.run_metrics(conn, version.run_id)
    return Facts(
        current_stage=version.current_stage,
        metrics=metrics or {},
        has_run=metrics is not None,
        tags=governance.version_tags(conn, version.id) if rule.tags else {},
        has_signature=_has_signature(conn, version.id, artifacts)
        if rule.signature_required
        else None,
        requester=requester,
        approvers=approvers,
    )


def _has_signature(conn: sa.Connection, version_id: int, store: ArtifactStore | None) -> bool:
    """Whether the version's files hold an MLmodel (the shallowest one) with a signature."""
    text = read_mlmodel(conn, version_id, store)
    return text is not None and documents.mlmodel_has_signature(text)


def read_mlmodel(conn: sa.Connection, version_id: int, store: ArtifactStore | None) -> str | None:
    """The text of the version's MLmodel file (the shallowest one in its manifest), or None:
    no store, no such file, or one too large to be an MLmodel."""
    if store is None:
        return None
    candidates = [
        f
        for f in version_files.files_of(conn, version_id)
        if f.path.rsplit("/", 1)[-1] == "MLmodel" and f.size <= MAX_MLMODEL_BYTES
    ]
    if not candidates:
        return None
    mlmodel = min(candidates, key=lambda f: (f.path.count("/"), f.path))
    with store.read_blob(mlmodel.sha256) as chunks:
        data = b"".join(chunks)
    return data.decode("utf-8", errors="replace")
