"""Promotion policies in the services: stored as versions, and enforced inside every stage and
alias change (the MLflow routes use these same functions), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from modelyard.artifacts.local import LocalArtifactStore
from modelyard.config import Settings
from modelyard.domain.policies import ALIAS, STAGE, Target
from modelyard.errors import InvalidParameter, NotFound, PermissionDenied
from modelyard.services import (
    aliases,
    experiments,
    policies,
    promotions,
    registry,
    run_logging,
    runs,
    versions,
)
from modelyard.store.tables import metadata
from modelyard.store.uow import UnitOfWork
from tests.factories import new_version

PROD = Target(STAGE, "Production")
STAGING = Target(STAGE, "Staging")
CHAMPION = Target(ALIAS, "champion")


def snapshot(uow: UnitOfWork) -> dict[str, list[tuple[Any, ...]]]:
    with uow.read() as conn:
        return {
            t.name: sorted(tuple(r) for r in conn.execute(sa.select(t)))
            for t in metadata.sorted_tables
        }


@pytest.fixture
def model(uow: UnitOfWork) -> str:
    registry.create_registered_model(uow, name="churn")
    return "churn"


def _run_with(uow: UnitOfWork, **metrics: float) -> str:
    exp = experiments.create_experiment(uow, name=f"exp-{uuid.uuid4().hex}")
    run = runs.create_run(uow, experiment_id=exp)
    run_logging.log_batch(
        uow,
        run_id=run.info.run_id,
        metrics=[(k, v, 1, 0, None, None, None) for k, v in metrics.items()],
    )
    return run.info.run_id


def test_policies_are_versioned_never_overwritten(uow: UnitOfWork, model: str) -> None:
    first = policies.put_policy(uow, model=model, document="rules: []", actor="alice")
    second = policies.put_policy(
        uow, model=model, document={"rules": [{"stage": "Staging"}]}, actor="bob"
    )
    default = policies.put_policy(uow, model=None, document="rules: []", actor="root")
    assert (first.version, second.version, default.version) == (1, 2, 1)
    history = policies.policy_history(uow, model=model)
    assert [(p.version, p.actor) for p in history] == [(2, "bob"), (1, "alice")]
    assert policies.get_policy(uow, model=model).policy == second.policy
    assert policies.get_policy(uow, model=None).model is None
    with pytest.raises(NotFound, match="Registered Model with name=nope not found"):
        policies.put_policy(uow, model="nope", document="rules: []", actor="x")


def test_a_bad_document_is_refused_and_nothing_is_stored(uow: UnitOfWork, model: str) -> None:
    before = snapshot(uow)
    with pytest.raises(InvalidParameter, match=r"rules\[0\]\.stage \(line 1\)"):
        policies.put_policy(uow, model=model, document="rules: [{stage: Prod}]", actor="x")
    assert snapshot(uow) == before


def test_metric_thresholds_block_a_transition_and_nothing_is_written(
    uow: UnitOfWork, model: str
) -> None:
    low = new_version(uow, name=model, source="s3://b/1", run_id=_run_with(uow, test_f1=0.7))
    policies.put_policy(
        uow,
        model=model,
        document='rules: [{stage: Production, metrics: ["test_f1 >= 0.8"]}]',
        actor="lead",
    )
    before = snapshot(uow)
    with pytest.raises(
        PermissionDenied,
        match=r"(?s)policy of model churn, version 1.*"
        r"metric test_f1: required >= 0\.8, actual 0\.7",
    ):
        versions.transition_model_version_stage(
            uow, name=model, version=low.version, stage="production"
        )
    assert snapshot(uow) == before
    good = new_version(uow, name=model, source="s3://b/2", run_id=_run_with(uow, test_f1=0.9))
    moved = versions.transition_model_version_stage(
        uow, name=model, version=good.version, stage="Production"
    )
    assert moved.current_stage == "Production"


def test_the_default_policy_applies_until_the_model_has_its_own(
    uow: UnitOfWork, model: str
) -> None:
    v = new_version(uow, name=model, source="s3://b/1")
    policies.put_policy(
        uow, model=None, document="rules: [{alias: champion, tags: [ok]}]", actor="root"
    )
    with pytest.raises(
        PermissionDenied,
        match=r"(?s)the server default, version 1.*"
        r"tag ok: required present, actual absent",
    ):
        aliases.set_registered_model_alias(uow, name=model, alias="champion", version=v.version)
    aliases.set_registered_model_alias(uow, name=model, alias="other", version=v.version)
    policies.put_policy(uow, model=model, document="rules: []", actor="lead")
    aliases.set_registered_model_alias(uow, name=model, alias="champion", version=v.version)


def test_from_stage_tags_and_archive_existing(uow: UnitOfWork, model: str) -> None:
    doc = """
rules:
  - stage: Production
    from_stage: Staging
    tags: {validated: "true"}
    archive_existing: true
"""
    policies.put_policy(uow, model=model, document=doc, actor="lead")
    old = new_version(uow, name=model, source="s3://b/1", tags=[("validated", "true")])
    new = new_version(uow, name=model, source="s3://b/2", tags=[("validated", "no")])
    for v in (old, new):
        versions.transition_model_version_stage(uow, name=model, version=v.version, stage="Staging")
    versions.transition_model_version_stage(
        uow, name=model, version=old.version, stage="Production"
    )
    with pytest.raises(PermissionDenied, match=r"tag validated: required 'true', actual 'no'"):
        versions.transition_model_version_stage(
            uow, name=model, version=new.version, stage="Production"
        )
    third = new_version(uow, name=model, source="s3://b/3", tags=[("validated", "true")])
    with pytest.raises(PermissionDenied, match=r"from_stage: required Staging, actual None"):
        versions.transition_model_version_stage(
            uow, name=model, version=third.version, stage="Production"
        )
    versions.set_model_version_tag(
        uow, name=model, version=new.version, key="validated", value="true"
    )
    # The policy archives the version already in Production, though the client did not ask.
    versions.transition_model_version_stage(
        uow, name=model, version=new.version, stage="Production"
    )
    stages = {
        v: versions.get_model_version(uow, name=model, version=v).current_stage
        for v in (old.version, new.version)
    }
    assert stages == {old.version: "Archived", new.version: "Production"}


@pytest.fixture
def store(settings: Settings) -> Iterator[LocalArtifactStore]:
    local = LocalArtifactStore(settings.resolved_artifacts())
    yield local
    local.close()


SIGNED = b'flavors: {}\nsignature:\n  inputs: \'[{"type": "double"}]\'\n'


def test_signature_required_reads_the_version_s_mlmodel(
    uow: UnitOfWork, model: str, store: LocalArtifactStore
) -> None:
    store.write("signed/model/MLmodel", [SIGNED])
    store.write("plain/model/MLmodel", [b"flavors: {}\n"])
    signed = versions.create_model_version(
        uow, name=model, source="mlflow-artifacts:/signed/model", artifacts=store
    )
    plain = versions.create_model_version(
        uow, name=model, source="mlflow-artifacts:/plain/model", artifacts=store
    )
    policies.put_policy(
        uow,
        model=model,
        document="rules: [{stage: Staging, signature_required: true}]",
        actor="lead",
    )
    with pytest.raises(PermissionDenied, match="signature: required present, actual absent"):
        versions.transition_model_version_stage(
            uow, name=model, version=plain.version, stage="Staging", artifacts=store
        )
    moved = versions.transition_model_version_stage(
        uow, name=model, version=signed.version, stage="Staging", artifacts=store
    )
    assert moved.current_stage == "Staging"


def test_a_rule_needing_approval_refuses_a_direct_change_and_says_how_to_ask(
    uow: UnitOfWork, model: str
) -> None:
    v = new_version(uow, name=model, source="s3://b/1")
    policies.put_policy(
        uow, model=model, document="rules: [{alias: champion, approvals: 1}]", actor="lead"
    )
    before = snapshot(uow)
    with pytest.raises(
        PermissionDenied,
        match=r"(?s)approvals: required 1 approval\(s\), "
        r"actual 0.*modelyard approvals request churn 1 --alias champion",
    ):
        promotions.promote(uow, name=model, version=v.version, target=CHAMPION, actor="dave")
    assert snapshot(uow) == before


def test_dry_run_lists_the_checks_and_changes_nothing(uow: UnitOfWork, model: str) -> None:
    v = new_version(uow, name=model, source="s3://b/1", run_id=_run_with(uow, acc=0.5))
    unguarded = policies.check(uow, name=model, version=v.version, target=PROD)
    assert unguarded.allowed
    assert unguarded.policy is None
    policies.put_policy(
        uow,
        model=model,
        document='rules: [{stage: Production, metrics: ["acc > 0.6", "auc > 0.5"]}]',
        actor="lead",
    )
    before = snapshot(uow)
    result = policies.check(uow, name=model, version=v.version, target=PROD)
    assert snapshot(uow) == before
    assert not result.allowed
    assert [(c.name, c.passed, c.actual) for c in result.checks] == [
        ("metric acc", False, "0.5"),
        ("metric auc", False, "not logged"),
    ]
    assert policies.check(uow, name=model, version=v.version, target=STAGING).allowed
