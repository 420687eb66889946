"""Alias and stage history, and rollback after two promotions, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from modelyard.errors import Conflict, InvalidParameter
from modelyard.services import aliases, audit, history, registry, versions
from modelyard.store.uow import UnitOfWork
from tests.factories import new_version


def _model(uow: UnitOfWork, n: int = 3) -> None:
    registry.create_registered_model(uow, name="m")
    for i in range(n):
        new_version(uow, name="m", source=f"s3://b/{i}")


def _stage(uow: UnitOfWork, version: int) -> str:
    return versions.get_model_version(uow, name="m", version=version).current_stage


def _alias(uow: UnitOfWork, alias: str) -> int:
    return aliases.get_model_version_by_alias(uow, name="m", alias=alias).version


def test_alias_rollback_after_two_promotions(uow: UnitOfWork) -> None:
    _model(uow)
    aliases.set_registered_model_alias(uow, name="m", alias="champion", version=1, actor="ann")
    aliases.set_registered_model_alias(uow, name="m", alias="champion", version=2, actor="bob")

    changed = history.rollback(uow, name="m", alias="champion", actor="carol")

    assert [v.version for v in changed] == [1]
    assert _alias(uow, "champion") == 1
    rows = history.alias_history(uow, name="m", alias="champion")
    assert [(r.version, r.from_version, r.actor, r.action) for r in rows] == [
        (1, 2, "carol", "registered_model.rollback"),
        (2, 1, "bob", "registered_model.alias_set"),
        (1, None, "ann", "registered_model.alias_set"),
    ]
    page = audit.list_events(uow, model="m", action="registered_model.rollback")
    [event] = page.items
    assert (event.actor, event.before, event.after) == (
        "carol",
        '{"alias":"champion","version":2}',
        '{"alias":"champion","policy":null,"version":1}',
    )
    # A second rollback undoes the first.
    history.rollback(uow, name="m", alias="champion")
    assert _alias(uow, "champion") == 2


def test_stage_rollback_after_two_promotions(uow: UnitOfWork) -> None:
    _model(uow)
    versions.transition_model_version_stage(uow, name="m", version=1, stage="Staging")
    versions.transition_model_version_stage(uow, name="m", version=1, stage="Production")
    versions.transition_model_version_stage(uow, name="m", version=2, stage="Staging")
    versions.transition_model_version_stage(
        uow, name="m", version=2, stage="Production", archive_existing_versions=True, actor="bob"
    )
    assert (_stage(uow, 1), _stage(uow, 2)) == ("Archived", "Production")

    changed = history.rollback(uow, name="m", stage="production", actor="carol")

    assert sorted(v.version for v in changed) == [1, 2]
    # v1 holds Production again; v2 returns to the stage it came from.
    assert (_stage(uow, 1), _stage(uow, 2)) == ("Production", "Staging")
    rows = history.stage_history(uow, name="m", stage="Production")
    assert [(r.version, r.from_stage, r.to_stage, r.action) for r in rows] == [
        (1, "Archived", "Production", "registered_model.rollback"),
        (2, "Production", "Staging", "registered_model.rollback"),
        (1, "Production", "Archived", "model_version.transition_stage"),
        (2, "Staging", "Production", "model_version.transition_stage"),
        (1, "Staging", "Production", "model_version.transition_stage"),
    ]
    assert audit.verify_chain(uow).ok


def test_history_survives_a_rename(uow: UnitOfWork) -> None:
    _model(uow, 2)
    aliases.set_registered_model_alias(uow, name="m", alias="champion", version=1)
    aliases.set_registered_model_alias(uow, name="m", alias="champion", version=2)
    registry.rename_registered_model(uow, name="m", new_name="m2")
    assert len(history.alias_history(uow, name="m2", alias="champion")) == 2
    history.rollback(uow, name="m2", alias="champion")
    assert aliases.get_model_version_by_alias(uow, name="m2", alias="champion").version == 1


def test_nothing_to_roll_back_is_refused(uow: UnitOfWork) -> None:
    _model(uow)
    with pytest.raises(Conflict, match="no earlier version"):
        history.rollback(uow, name="m", alias="champion")
    aliases.set_registered_model_alias(uow, name="m", alias="champion", version=1)
    with pytest.raises(Conflict, match="no earlier version"):
        history.rollback(uow, name="m", alias="champion")
    with pytest.raises(Conflict, match="No version is in stage 'Production'"):
        history.rollback(uow, name="m", stage="Production")
    versions.transition_model_version_stage(uow, name="m", version=1, stage="Production")
    with pytest.raises(Conflict, match="had no other version before version 1"):
        history.rollback(uow, name="m", stage="Production")
    with pytest.raises(InvalidParameter, match="exactly one of 'alias' and 'stage'"):
        history.rollback(uow, name="m", alias="champion", stage="Production")


def test_rollback_to_a_deleted_version_is_refused_and_writes_nothing(uow: UnitOfWork) -> None:
    _model(uow)
    aliases.set_registered_model_alias(uow, name="m", alias="champion", version=1)
    aliases.set_registered_model_alias(uow, name="m", alias="champion", version=2)
    versions.transition_model_version_stage(uow, name="m", version=1, stage="Production")
    versions.transition_model_version_stage(uow, name="m", version=2, stage="Production")
    versions.delete_model_version(uow, name="m", version=1)
    before = audit.list_events(uow).items[0].seq
    with pytest.raises(Conflict, match="version 1, which it pointed at before, was deleted"):
        history.rollback(uow, name="m", alias="champion")
    with pytest.raises(Conflict, match="version 1, which held it before, was deleted"):
        history.rollback(uow, name="m", stage="Production")
    assert audit.list_events(uow).items[0].seq == before
    assert _alias(uow, "champion") == 2
