"""Every mutating service writes exactly one audit event in its transaction, with the actor;
a refusal writes none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from modelyard.domain.events import Actor
from modelyard.errors import ModelyardError
from modelyard.services import (
    aliases,
    experiments,
    history,
    logged_models,
    registry,
    run_logging,
    runs,
    versions,
)
from modelyard.store.events_tables import audit_events
from modelyard.store.uow import UnitOfWork
from tests.factories import new_version
from tests.services.test_registry_services import REFUSALS, nothing_written

WHO = Actor(name="ann", request_id="req-1")


def _seed(uow: UnitOfWork) -> dict[str, str]:
    """A model with two versions (v1 in Staging, alias champion -> 1), an experiment, a run,
    a logged model; returns their ids."""
    registry.create_registered_model(uow, name="m", tags=[("k", "v")])
    new_version(uow, name="m", source="s3://b/1", tags=[("k", "v")])
    new_version(uow, name="m", source="s3://b/2")
    versions.transition_model_version_stage(uow, name="m", version=1, stage="Staging")
    aliases.set_registered_model_alias(uow, name="m", alias="champion", version=1)
    exp = experiments.create_experiment(uow, name="e", tags=[("k", "v")])
    run = runs.create_run(uow, experiment_id=exp, tags=[("k", "v")])
    lm = logged_models.create_logged_model(uow, experiment_id=exp, tags=[("k", "v")])
    return {"exp": exp, "run": run.info.run_id, "lm": lm.model_id}


Call = Callable[[UnitOfWork, dict[str, str]], object]
M = (None, None, None, None, None, None, None)

# (action, call); every call passes actor=WHO.
MUTATIONS: list[tuple[str, Call]] = [
    ("registered_model.create", lambda u, _: registry.create_registered_model(u, name="n", actor=WHO)),  # noqa: E501
    ("registered_model.rename", lambda u, _: registry.rename_registered_model(u, name="m", new_name="m2", actor=WHO)),  # noqa: E501
    ("registered_model.update", lambda u, _: registry.update_registered_model(u, name="m", description="d", actor=WHO)),  # noqa: E501
    ("registered_model.delete", lambda u, _: registry.delete_registered_model(u, name="m", actor=WHO)),  # noqa: E501
    ("registered_model.set_tag", lambda u, _: registry.set_registered_model_tag(u, name="m", key="a", value="b", actor=WHO)),  # noqa: E501
    ("registered_model.delete_tag", lambda u, _: registry.delete_registered_model_tag(u, name="m", key="k", actor=WHO)),  # noqa: E501
    ("registered_model.alias_set", lambda u, _: aliases.set_registered_model_alias(u, name="m", alias="champion", version=2, actor=WHO)),  # noqa: E501
    ("registered_model.alias_delete", lambda u, _: aliases.delete_registered_model_alias(u, name="m", alias="champion", actor=WHO)),  # noqa: E501
    ("registered_model.rollback", lambda u, _: _rollback_alias(u)),
    ("model_version.create", lambda u, _: new_version(u, name="m", source="s3://b/3", actor=WHO)),
    ("model_version.update", lambda u, _: versions.update_model_version(u, name="m", version=1, description="d", actor=WHO)),  # noqa: E501
    ("model_version.transition_stage", lambda u, _: versions.transition_model_version_stage(u, name="m", version=2, stage="Production", archive_existing_versions=True, actor=WHO)),  # noqa: E501
    ("model_version.delete", lambda u, _: versions.delete_model_version(u, name="m", version=2, actor=WHO)),  # noqa: E501
    ("model_version.set_tag", lambda u, _: versions.set_model_version_tag(u, name="m", version=1, key="a", value="b", actor=WHO)),  # noqa: E501
    ("model_version.delete_tag", lambda u, _: versions.delete_model_version_tag(u, name="m", version=1, key="k", actor=WHO)),  # noqa: E501
    ("experiment.create", lambda u, _: experiments.create_experiment(u, name="e2", actor=WHO)),
    ("experiment.rename", lambda u, i: experiments.rename_experiment(u, experiment_id=i["exp"], new_name="e3", actor=WHO)),  # noqa: E501
    ("experiment.delete", lambda u, i: experiments.delete_experiment(u, experiment_id=i["exp"], actor=WHO)),  # noqa: E501
    ("experiment.restore", lambda u, i: _deleted_then_restored(u, i["exp"])),
    ("experiment.set_tag", lambda u, i: experiments.set_experiment_tag(u, experiment_id=i["exp"], key="a", value="b", actor=WHO)),  # noqa: E501
    ("experiment.delete_tag", lambda u, i: experiments.delete_experiment_tag(u, experiment_id=i["exp"], key="k", actor=WHO)),  # noqa: E501
    ("run.create", lambda u, i: runs.create_run(u, experiment_id=i["exp"], actor=WHO)),
    ("run.update", lambda u, i: runs.update_run(u, run_id=i["run"], status="FINISHED", actor=WHO)),
    ("run.delete", lambda u, i: runs.delete_run(u, run_id=i["run"], actor=WHO)),
    ("run.restore", lambda u, i: _run_deleted_then_restored(u, i["run"])),
    ("run.log_batch", lambda u, i: run_logging.log_batch(u, run_id=i["run"], metrics=[("a", 1.0, 1, 0, None, None, None)] * 50, params=[("p", "1")], actor=WHO)),  # noqa: E501
    ("run.log_metric", lambda u, i: run_logging.log_metric(u, run_id=i["run"], metric=("a", 1.0, 1, 0, None, None, None), actor=WHO)),  # noqa: E501
    ("run.log_param", lambda u, i: run_logging.log_param(u, run_id=i["run"], key="p", value="1", actor=WHO)),  # noqa: E501
    ("run.set_tag", lambda u, i: run_logging.set_tag(u, run_id=i["run"], key="a", value="b", actor=WHO)),  # noqa: E501
    ("run.delete_tag", lambda u, i: run_logging.delete_tag(u, run_id=i["run"], key="k", actor=WHO)),
    ("run.log_inputs", lambda u, i: run_logging.log_inputs(u, run_id=i["run"], model_ids=[i["lm"]], actor=WHO)),  # noqa: E501
    ("run.log_model", lambda u, i: run_logging.log_model(u, run_id=i["run"], model_json='{"artifact_path": "m"}', actor=WHO)),  # noqa: E501
    ("run.log_outputs", lambda u, i: run_logging.log_outputs(u, run_id=i["run"], outputs=[(i["lm"], 1)], actor=WHO)),  # noqa: E501
    ("logged_model.create", lambda u, i: logged_models.create_logged_model(u, experiment_id=i["exp"], actor=WHO)),  # noqa: E501
    ("logged_model.finalize", lambda u, i: logged_models.finalize_logged_model(u, model_id=i["lm"], status="READY", actor=WHO)),  # noqa: E501
    ("logged_model.delete", lambda u, i: logged_models.delete_logged_model(u, model_id=i["lm"], actor=WHO)),  # noqa: E501
    ("logged_model.set_tags", lambda u, i: logged_models.set_logged_model_tags(u, model_id=i["lm"], tags=[("a", "b")], actor=WHO)),  # noqa: E501
    ("logged_model.delete_tag", lambda u, i: logged_models.delete_logged_model_tag(u, model_id=i["lm"], key="k", actor=WHO)),  # noqa: E501
    ("logged_model.log_params", lambda u, i: logged_models.log_logged_model_params(u, model_id=i["lm"], params=[("p", "1")], actor=WHO)),  # noqa: E501
]  # fmt: skip


def _rollback_alias(uow: UnitOfWork) -> None:
    aliases.set_registered_model_alias(uow, name="m", alias="champion", version=2)
    _mark(uow)
    history.rollback(uow, name="m", alias="champion", actor=WHO)


def _deleted_then_restored(uow: UnitOfWork, exp: str) -> None:
    experiments.delete_experiment(uow, experiment_id=exp)
    _mark(uow)
    experiments.restore_experiment(uow, experiment_id=exp, actor=WHO)


def _run_deleted_then_restored(uow: UnitOfWork, run_id: str) -> None:
    runs.delete_run(uow, run_id=run_id)
    _mark(uow)
    runs.restore_run(uow, run_id=run_id, actor=WHO)


_MARK: dict[int, int] = {}


def _mark(uow: UnitOfWork) -> None:
    """Calls that need a setup step first say where their own events begin."""
    _MARK[id(uow)] = _count(uow)


def _count(uow: UnitOfWork) -> int:
    with uow.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(audit_events)).scalar_one())


def _events_after(uow: UnitOfWork, count: int) -> list[Any]:
    with uow.read() as conn:
        stmt = sa.select(audit_events).order_by(audit_events.c.seq).offset(count)
        return list(conn.execute(stmt))


@pytest.mark.parametrize(("action", "call"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_each_mutation_writes_one_audit_event(uow: UnitOfWork, action: str, call: Call) -> None:
    ids = _seed(uow)
    before = _count(uow)
    call(uow, ids)
    start = _MARK.pop(id(uow), before)
    written = _events_after(uow, start)
    assert [e.action for e in written] == [action]
    assert written[0].actor == "ann"
    assert written[0].request_id == "req-1"


def test_every_mutating_service_is_in_the_table() -> None:
    """A new mutating service needs a row above (and a record() call)."""
    actions = {m[0] for m in MUTATIONS}
    assert len(actions) == len(MUTATIONS)
    assert len(actions) >= 39


def test_anonymous_when_no_actor_and_batch_summarised(uow: UnitOfWork) -> None:
    ids = _seed(uow)
    before = _count(uow)
    metrics = [("a", float(i), 1, i, None, None, None) for i in range(500)]
    run_logging.log_batch(uow, run_id=ids["run"], metrics=metrics, tags=[("t", "1")])
    [event] = _events_after(uow, before)
    assert event.actor == "anonymous"
    assert event.request_id is None
    assert event.after == '{"metrics":500,"params":[],"tags":["t"]}'


@pytest.mark.parametrize(
    ("call", "error", "match"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_registry_refusals_write_no_audit_event(
    uow: UnitOfWork, call: Callable[[UnitOfWork], object], error: type[ModelyardError], match: str
) -> None:
    registry.create_registered_model(uow, name="seed", tags=[("k", "v")], description="d")
    new_version(uow, name="seed", source="s3://b/s", tags=[("k", "v")])
    aliases.set_registered_model_alias(uow, name="seed", alias="champion", version=1)
    before = _count(uow)
    with nothing_written(uow), pytest.raises(error, match=match):
        call(uow)
    assert _count(uow) == before


TRACKING_REFUSALS: list[tuple[str, Call, str]] = [
    ("experiment exists", lambda u, _: experiments.create_experiment(u, name="e", actor=WHO), "already exists"),  # noqa: E501
    ("delete default experiment", lambda u, _: experiments.delete_experiment(u, experiment_id="0", actor=WHO), "default experiment"),  # noqa: E501
    ("missing tag", lambda u, i: experiments.delete_experiment_tag(u, experiment_id=i["exp"], key="nope", actor=WHO), "No tag"),  # noqa: E501
    ("missing run", lambda u, _: runs.update_run(u, run_id="0" * 32, status="FINISHED", actor=WHO), "not found"),  # noqa: E501
    ("param changed", lambda u, i: run_logging.log_param(u, run_id=i["run"], key="p0", value="2", actor=WHO), "Changing param"),  # noqa: E501
    ("bad metric", lambda u, i: run_logging.log_batch(u, run_id=i["run"], metrics=[("", 1.0, 1, 0, None, None, None)], actor=WHO), "key"),  # noqa: E501
    ("pending finalize", lambda u, i: logged_models.finalize_logged_model(u, model_id=i["lm"], status="PENDING", actor=WHO), "PENDING"),  # noqa: E501
    ("missing logged model", lambda u, _: logged_models.delete_logged_model(u, model_id="m-" + "0" * 32, actor=WHO), "not found"),  # noqa: E501
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "match"), [r[1:] for r in TRACKING_REFUSALS], ids=[r[0] for r in TRACKING_REFUSALS]
)
def test_tracking_refusals_write_no_audit_event(uow: UnitOfWork, call: Call, match: str) -> None:
    ids = _seed(uow)
    run_logging.log_param(uow, run_id=ids["run"], key="p0", value="1")
    with nothing_written(uow), pytest.raises(ModelyardError, match=match):
        call(uow, ids)
