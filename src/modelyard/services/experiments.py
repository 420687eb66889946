"""Experiments: create, read, search, rename, delete, restore, tag. One transaction each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from modelyard.domain import pagination, run_filters, tracking_rules
from modelyard.domain.events import EXPERIMENT, ActorLike, Target
from modelyard.domain.registry import Page
from modelyard.domain.tracking import ACTIVE, DEFAULT_EXPERIMENT_ID, DELETED, Experiment
from modelyard.errors import AlreadyExists, InvalidParameter, NotFound
from modelyard.services import access, audit
from modelyard.services.access import ReadFilter
from modelyard.services.common import now_ms
from modelyard.store import experiments, permissions, runs, tracking_search
from modelyard.store.uow import UnitOfWork


def experiment_row(conn: sa.Connection, experiment_id: int, *, for_update: bool = False) -> Any:
    row = experiments.find_experiment(conn, experiment_id, for_update=for_update)
    if row is None:
        raise NotFound(f"No Experiment with id={experiment_id} exists")
    return row


def active_experiment_row(conn: sa.Connection, experiment_id: int) -> Any:
    row = experiment_row(conn, experiment_id, for_update=True)
    if row.lifecycle_stage != ACTIVE:
        raise InvalidParameter(
            f"The experiment {experiment_id} must be in the 'active' state. "
            f"Current state is {row.lifecycle_stage}."
        )
    return row


def create_experiment(
    uow: UnitOfWork,
    *,
    name: str | None,
    artifact_location: str | None = None,
    tags: list[tuple[str | None, str | None]] | None = None,
    actor: ActorLike = None,
) -> str:
    """Create an experiment; returns its id (a string of digits, as on the wire)."""
    name = tracking_rules.experiment_name(name)
    location = tracking_rules.artifact_location(artifact_location)
    tag_map = tracking_rules.tags(tags, tracking_rules.MAX_EXPERIMENT_TAG_VALUE_LENGTH)
    with uow.write() as conn:
        existing = experiments.find_experiment_by_name(conn, name)
        if existing is not None:
            state = " in deleted state" if existing.lifecycle_stage == DELETED else ""
            raise AlreadyExists(f"Experiment(name={name}) already exists{state}.")
        new_id = experiments.insert_experiment(
            conn, name=name, artifact_location=location, now=now_ms()
        )
        experiments.set_experiment_tags(conn, new_id, tag_map)
        access.grant_creator(conn, permissions.EXPERIMENT, new_id, actor)
        audit.record(
            conn,
            actor,
            "experiment.create",
            Target(EXPERIMENT, str(new_id)),
            after={"name": name, "artifact_location": location, "tags": tag_map},
        )
        return str(new_id)


def get_experiment(uow: UnitOfWork, *, experiment_id: str | None) -> Experiment:
    number = tracking_rules.experiment_id(experiment_id)
    with uow.read() as conn:
        return experiments.load_experiments(conn, [experiment_row(conn, number)])[0]


def get_experiment_by_name(uow: UnitOfWork, *, name: str | None) -> Experiment:
    name = tracking_rules.experiment_name(name, "experiment_name")
    with uow.read() as conn:
        row = experiments.find_experiment_by_name(conn, name)
        if row is None:
            raise NotFound(f"Could not find experiment with name '{name}'")
        return experiments.load_experiments(conn, [row])[0]


def search_experiments(
    uow: UnitOfWork,
    *,
    view_type: str | None = None,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
    max_results: int | None = None,
    page_token: str | None = None,
    readable: ReadFilter | None = None,
) -> Page[Experiment]:
    limit = pagination.check_max_results(
        max_results,
        default=tracking_rules.DEFAULT_EXPERIMENTS_PER_PAGE,
        limit=tracking_rules.MAX_EXPERIMENTS_PER_PAGE,
    )
    stmt = tracking_search.search_experiments_statement(
        stages=tracking_rules.view_type(view_type),
        comparisons=run_filters.parse_experiment_filter(filter_string),
        order_bys=run_filters.parse_experiment_order_by(order_by),
    ).where(*access.readable_experiments(readable))
    offset = pagination.decode_offset(page_token)
    with uow.read() as conn:
        rows = tracking_search.page(conn, stmt, offset=offset, limit=limit + 1)
        found = experiments.load_experiments(conn, rows[:limit])
    token = pagination.encode_offset(offset + limit) if len(rows) > limit else None
    return Page(items=found, next_page_token=token)


def rename_experiment(
    uow: UnitOfWork, *, experiment_id: str | None, new_name: str | None, actor: ActorLike = None
) -> None:
    number = tracking_rules.experiment_id(experiment_id)
    new_name = tracking_rules.experiment_name(new_name, "new_name")
    with uow.write() as conn:
        row = experiment_row(conn, number, for_update=True)
        if row.lifecycle_stage != ACTIVE:
            raise InvalidParameter("Cannot rename a non-active experiment.")
        other = experiments.find_experiment_by_name(conn, new_name)
        if other is not None and other.id != number:
            raise AlreadyExists(f"Experiment(name={new_name}) already exists.")
        experiments.update_experiment(conn, number, name=new_name, last_update_time=now_ms())
        audit.record(
            conn,
            actor,
            "experiment.rename",
            Target(EXPERIMENT, str(number)),
            before={"name": row.name},
            after={"name": new_name},
        )


def delete_experiment(
    uow: UnitOfWork, *, experiment_id: str | None, actor: ActorLike = None
) -> None:
    """Mark the experiment and its runs deleted (they can be restored)."""
    number = tracking_rules.experiment_id(experiment_id)
    if str(number) == DEFAULT_EXPERIMENT_ID:
        raise InvalidParameter("Cannot delete the default experiment '0'.")
    _set_stage(uow, number, DELETED, actor, "experiment.delete")


def restore_experiment(
    uow: UnitOfWork, *, experiment_id: str | None, actor: ActorLike = None
) -> None:
    number = tracking_rules.experiment_id(experiment_id)
    _set_stage(uow, number, ACTIVE, actor, "experiment.restore")


def _set_stage(uow: UnitOfWork, number: int, stage: str, actor: ActorLike, action: str) -> None:
    with uow.write() as conn:
        row = experiment_row(conn, number, for_update=True)
        experiments.update_experiment(
            conn, number, lifecycle_stage=stage, last_update_time=now_ms()
        )
        runs.mark_experiment_runs(conn, number, stage)
        audit.record(
            conn,
            actor,
            action,
            Target(EXPERIMENT, str(number)),
            before={"lifecycle_stage": row.lifecycle_stage},
            after={"lifecycle_stage": stage},
        )


def set_experiment_tag(
    uow: UnitOfWork,
    *,
    experiment_id: str | None,
    key: str | None,
    value: str | None,
    actor: ActorLike = None,
) -> None:
    number = tracking_rules.experiment_id(experiment_id)
    key, value = tracking_rules.tag(key, value, tracking_rules.MAX_EXPERIMENT_TAG_VALUE_LENGTH)
    with uow.write() as conn:
        active_experiment_row(conn, number)
        experiments.set_experiment_tags(conn, number, {key: value})
        audit.record(
            conn,
            actor,
            "experiment.set_tag",
            Target(EXPERIMENT, str(number)),
            after={"tags": {key: value}},
        )


def delete_experiment_tag(
    uow: UnitOfWork, *, experiment_id: str | None, key: str | None, actor: ActorLike = None
) -> None:
    number = tracking_rules.experiment_id(experiment_id)
    key = tracking_rules.key(key)
    with uow.write() as conn:
        active_experiment_row(conn, number)
        if not experiments.delete_experiment_tag(conn, number, key):
            raise NotFound(f"No tag with name: {key} in experiment with id {number}")
        audit.record(
            conn,
            actor,
            "experiment.delete_tag",
            Target(EXPERIMENT, str(number)),
            before={"tag_key": key},
        )
