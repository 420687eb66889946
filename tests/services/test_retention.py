"""Retention on SQLite and PostgreSQL: the newest N are kept, protected versions (alias, Staging,
Production, pending approval request) are never touched, a dry run writes nothing, a real run
writes one audit event per changed version."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from modelyard.domain.policies import STAGE, Target
from modelyard.errors import InvalidParameter, NotFound, PermissionDenied
from modelyard.services import aliases, approvals, audit, history, policies, registry, versions
from modelyard.services.retention import RETENTION_ARCHIVE, RETENTION_DELETE, apply_retention
from modelyard.store.tables import metadata
from modelyard.store.uow import UnitOfWork
from tests.factories import new_version

# Staging needs one approval: v4's request stays pending.
POLICY = {"rules": [{"stage": "Staging", "approvals": 1}]}


def snapshot(uow: UnitOfWork) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the audit chain head included)."""
    with uow.read() as conn:
        return {
            t.name: sorted((tuple(r) for r in conn.execute(sa.select(t))), key=repr)
            for t in metadata.sorted_tables
        }


def _stages(uow: UnitOfWork) -> dict[int, str]:
    found = versions.search_model_versions(uow, filter_string="name = 'm'", max_results=100)
    return {v.version: v.current_stage for v in found.items}


@pytest.fixture
def model(uow: UnitOfWork) -> str:
    """v1 champion, v2 Production, v3 Staging, v4 a pending request, v5 Archived, v6-v10 None."""
    registry.create_registered_model(uow, name="m")
    for i in range(10):
        new_version(uow, name="m", source=f"s3://b/{i}")
    aliases.set_registered_model_alias(uow, name="m", alias="champion", version=1)
    versions.transition_model_version_stage(uow, name="m", version=2, stage="Production")
    versions.transition_model_version_stage(uow, name="m", version=5, stage="Archived")
    policies.put_policy(uow, model="m", document=POLICY)
    approvals.request_approval(
        uow, name="m", version=4, target=Target(STAGE, "Staging"), actor="ann"
    )
    # A second policy version without the Staging rule, so v3 can move there directly.
    policies.put_policy(uow, model="m", document={"rules": []})
    versions.transition_model_version_stage(uow, name="m", version=3, stage="Staging")
    return "m"


def test_archive_keeps_the_newest_and_every_protected_version(uow: UnitOfWork, model: str) -> None:
    plan = apply_retention(uow, name=model, keep=2, actor="ops")

    assert plan.kept == (10, 9)
    assert plan.changed == ((8, "None"), (7, "None"), (6, "None"))
    assert plan.unchanged == (5,)
    assert [(p.version, p.reasons) for p in plan.protected] == [
        (4, ("pending approval request 1",)),
        (3, ("stage Staging",)),
        (2, ("stage Production",)),
        (1, ("alias champion",)),
    ]
    assert _stages(uow) == {
        10: "None",
        9: "None",
        8: "Archived",
        7: "Archived",
        6: "Archived",
        5: "Archived",
        4: "None",
        3: "Staging",
        2: "Production",
        1: "None",
    }
    events = audit.list_events(uow, model=model, action=RETENTION_ARCHIVE).items
    assert sorted((e.target_version, e.actor) for e in events) == [
        (6, "ops"),
        (7, "ops"),
        (8, "ops"),
    ]
    assert json.loads(events[0].before) == {"current_stage": "None"}
    assert json.loads(events[0].after) == {
        "current_stage": "Archived",
        "retention": {"keep": 2, "action": "archive"},
        "policy": {"scope": "model", "version": 2},
    }
    # The stage history shows the archiving, so a rollback of Archived is possible too.
    rows = history.stage_history(uow, name=model, stage="Archived")
    assert {(r.version, r.action) for r in rows} >= {(v, RETENTION_ARCHIVE) for v in (6, 7, 8)}
    assert audit.verify_chain(uow).ok


def test_delete_removes_only_unprotected_older_versions(uow: UnitOfWork, model: str) -> None:
    plan = apply_retention(uow, name=model, keep=2, action="delete", actor="ops")

    # An Archived version is deleted too; protected ones stay.
    assert plan.changed_versions == [8, 7, 6, 5]
    assert sorted(_stages(uow)) == [1, 2, 3, 4, 9, 10]
    events = audit.list_events(uow, model=model, action=RETENTION_DELETE).items
    assert sorted(e.target_version for e in events) == [5, 6, 7, 8]
    with pytest.raises(NotFound, match="version=8"):
        versions.get_model_version(uow, name=model, version=8)
    # The pending request (v4) survives.
    assert [r.version for r in approvals.list_requests(uow, model=model)] == [4]


@pytest.mark.parametrize("action", ["archive", "delete"])
def test_dry_run_writes_nothing(uow: UnitOfWork, model: str, action: str) -> None:
    before = snapshot(uow)
    dry = apply_retention(uow, name=model, keep=2, action=action, dry_run=True, actor="ops")
    assert snapshot(uow) == before
    assert dry.dry_run

    real = apply_retention(uow, name=model, keep=2, action=action, actor="ops")
    assert (dry.changed, dry.protected, dry.kept) == (real.changed, real.protected, real.kept)
    assert snapshot(uow) != before


def test_a_second_run_changes_nothing(uow: UnitOfWork, model: str) -> None:
    apply_retention(uow, name=model, keep=2)
    before = snapshot(uow)
    again = apply_retention(uow, name=model, keep=2)
    assert again.changed == ()
    assert snapshot(uow) == before  # no event for a run that changed nothing


def test_keep_zero_and_keep_more_than_there_are(uow: UnitOfWork, model: str) -> None:
    assert apply_retention(uow, name=model, keep=100, dry_run=True).changed == ()
    plan = apply_retention(uow, name=model, keep=0, dry_run=True)
    assert plan.changed_versions == [10, 9, 8, 7, 6]


@pytest.mark.parametrize(
    ("keep", "action", "message"),
    [
        (-1, "archive", "'keep' must be a whole number >= 0"),
        ("3", "archive", "'keep' must be a whole number >= 0"),
        (True, "archive", "'keep' must be a whole number >= 0"),
        (2, "purge", "Unknown retention action 'purge'"),
    ],
)
def test_bad_input_is_refused(
    uow: UnitOfWork, model: str, keep: object, action: str, message: str
) -> None:
    before = snapshot(uow)
    with pytest.raises(InvalidParameter, match=message):
        apply_retention(uow, name=model, keep=keep, action=action)
    assert snapshot(uow) == before


def test_unknown_model(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound, match="name=nope not found"):
        apply_retention(uow, name="nope", keep=1)


def test_a_rule_for_archived_applies_to_each_version(uow: UnitOfWork, model: str) -> None:
    rule = {"stage": "Archived", "tags": {"retire": "ok"}}
    policies.put_policy(uow, model=model, document={"rules": [rule]})
    for v in (6, 7):
        versions.set_model_version_tag(uow, name=model, version=v, key="retire", value="ok")
    before = snapshot(uow)
    with pytest.raises(PermissionDenied, match=r"version 8 cannot move to stage Archived"):
        apply_retention(uow, name=model, keep=2)
    with pytest.raises(PermissionDenied, match="tag retire"):
        apply_retention(uow, name=model, keep=2, dry_run=True)
    assert snapshot(uow) == before
    # Deleting is not guarded by policies.
    assert apply_retention(uow, name=model, keep=3, action="delete").changed_versions == [7, 6, 5]
