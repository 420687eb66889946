"""The audit event of every stage transition, alias set and rollback names the policy version
that allowed it (`after.policy`), on SQLite and PostgreSQL; rollback skips the policy's checks
unless the policy says `rollback: checked`."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from modelyard.errors import InvalidParameter, PermissionDenied
from modelyard.services import aliases, audit, history, policies, registry, versions
from modelyard.services.aliases import SET
from modelyard.services.history import ROLLBACK
from modelyard.services.versions import TRANSITION
from modelyard.store.tables import metadata
from modelyard.store.uow import UnitOfWork
from tests.factories import new_version


def _last_after(uow: UnitOfWork, action: str) -> dict[str, Any]:
    event = audit.list_events(uow, model="m", action=action).items[0]
    after: dict[str, Any] = json.loads(event.after)
    return after


def _snapshot(uow: UnitOfWork) -> dict[str, list[tuple[Any, ...]]]:
    with uow.read() as conn:
        return {
            t.name: sorted((tuple(r) for r in conn.execute(sa.select(t))), key=repr)
            for t in metadata.sorted_tables
        }


@pytest.fixture
def model(uow: UnitOfWork) -> str:
    registry.create_registered_model(uow, name="m")
    for i in range(3):
        new_version(uow, name="m", source=f"s3://b/{i}")
    return "m"


def test_a_transition_records_the_policy_version(uow: UnitOfWork, model: str) -> None:
    versions.transition_model_version_stage(uow, name=model, version=1, stage="Staging")
    assert _last_after(uow, TRANSITION)["policy"] is None  # no policy at all

    policies.put_policy(uow, model=None, document={"rules": []})
    policies.put_policy(uow, model=None, document={"rules": [{"stage": "Staging"}]})
    versions.transition_model_version_stage(uow, name=model, version=2, stage="Staging")
    assert _last_after(uow, TRANSITION)["policy"] == {"scope": "default", "version": 2}

    rule = {"stage": "Production", "from_stage": "Staging"}
    policies.put_policy(uow, model=model, document={"rules": [rule]})
    versions.transition_model_version_stage(uow, name=model, version=2, stage="Production")
    after = _last_after(uow, TRANSITION)
    assert after == {"current_stage": "Production", "policy": {"scope": "model", "version": 1}}


def test_an_alias_set_records_the_policy_version(uow: UnitOfWork, model: str) -> None:
    aliases.set_registered_model_alias(uow, name=model, alias="champion", version=1)
    assert _last_after(uow, SET)["policy"] is None

    rule = {"alias": "champion", "tags": {"validated": "true"}}
    policies.put_policy(uow, model=model, document={"rules": [rule]})
    policies.put_policy(uow, model=model, document={"rules": [rule]})
    versions.set_model_version_tag(uow, name=model, version=2, key="validated", value="true")
    aliases.set_registered_model_alias(uow, name=model, alias="champion", version=2)
    assert _last_after(uow, SET) == {
        "alias": "champion",
        "version": 2,
        "policy": {"scope": "model", "version": 2},
    }


def test_a_rollback_skips_the_checks_but_records_the_policy(uow: UnitOfWork, model: str) -> None:
    aliases.set_registered_model_alias(uow, name=model, alias="champion", version=1)
    aliases.set_registered_model_alias(uow, name=model, alias="champion", version=2)
    # v1 meets none of this, and approvals could never be met by a direct change.
    rule = {"alias": "champion", "from_stage": "Production", "tags": ["ok"], "approvals": 2}
    policies.put_policy(uow, model=model, document={"rules": [rule]})

    history.rollback(uow, name=model, alias="champion", actor="carol")

    assert aliases.get_model_version_by_alias(uow, name=model, alias="champion").version == 1
    assert _last_after(uow, ROLLBACK) == {
        "alias": "champion",
        "version": 1,
        "policy": {"scope": "model", "version": 1, "rollback": "unchecked"},
    }


def test_rollback_checked_applies_every_check_but_approvals_and_from_stage(
    uow: UnitOfWork, model: str
) -> None:
    for v in (1, 2):
        versions.transition_model_version_stage(uow, name=model, version=v, stage="Staging")
        versions.transition_model_version_stage(
            uow, name=model, version=v, stage="Production", archive_existing_versions=True
        )
    rule = {"stage": "Production", "from_stage": "Staging", "tags": ["ok"], "approvals": 1}
    policies.put_policy(uow, model=None, document={"rollback": "checked", "rules": [rule]})
    before = _snapshot(uow)

    with pytest.raises(PermissionDenied, match=r"tag ok: required present, actual absent"):
        history.rollback(uow, name=model, stage="Production")
    assert _snapshot(uow) == before

    versions.set_model_version_tag(uow, name=model, version=1, key="ok", value="1")
    history.rollback(uow, name=model, stage="Production")

    stages = {
        v: versions.get_model_version(uow, name=model, version=v).current_stage for v in (1, 2)
    }
    assert stages == {1: "Production", 2: "Staging"}
    after = _last_after(uow, ROLLBACK)
    assert after["policy"] == {"scope": "default", "version": 1, "rollback": "checked"}


def test_rollback_checked_is_kept_in_the_stored_document(uow: UnitOfWork, model: str) -> None:
    stored = policies.put_policy(uow, model=model, document="rollback: checked\nrules: []\n")
    assert stored.policy.rollback_checked
    assert policies.get_policy(uow, model=model).policy.rollback_checked
    assert not policies.put_policy(uow, model=model, document="rules: []").policy.rollback_checked


def test_a_bad_rollback_value_is_refused(uow: UnitOfWork, model: str) -> None:
    with pytest.raises(
        InvalidParameter, match=r"rollback \(line 1\): must be checked or unchecked"
    ):
        policies.put_policy(uow, model=model, document="rollback: maybe\nrules: []\n")
