"""Runs: create, read, update, delete, restore, search, metric history. One transaction each.
What runs log (params, metrics, tags, inputs, outputs) is in `services/run_logging.py`."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from modelyard.domain import names, pagination, run_filters, tracking_rules
from modelyard.domain.events import RUN, ActorLike, Target
from modelyard.domain.registry import Page
from modelyard.domain.tracking import (
    ACTIVE,
    DELETED,
    RUN_NAME_TAG,
    Metric,
    Run,
    RunInfo,
    run_artifact_uri,
)
from modelyard.errors import InvalidParameter, NotFound
from modelyard.services import audit
from modelyard.services.common import now_ms
from modelyard.services.experiments import active_experiment_row
from modelyard.store import experiments, runs, tracking_search
from modelyard.store.uow import UnitOfWork

_NAME_WORDS = (
    ("bold", "calm", "eager", "gentle", "keen", "lucid", "merry", "nimble", "quiet", "brave"),
    ("otter", "heron", "lynx", "panda", "finch", "bison", "koala", "raven", "whale", "gecko"),
)


def random_name() -> str:
    first, second = (secrets.choice(words) for words in _NAME_WORDS)
    return f"{first}-{second}-{secrets.randbelow(1000)}"


def run_row(conn: sa.Connection, run_id: str, *, for_update: bool = False) -> Any:
    row = runs.find_run(conn, run_id, for_update=for_update)
    if row is None:
        raise NotFound(f"Run with id={run_id} not found")
    return row


def active_run_row(conn: sa.Connection, run_id: str) -> Any:
    row = run_row(conn, run_id, for_update=True)
    if row.lifecycle_stage != ACTIVE:
        raise InvalidParameter(
            f"The run {run_id} must be in the 'active' state. "
            f"Current state is {row.lifecycle_stage}."
        )
    return row


def create_run(
    uow: UnitOfWork,
    *,
    experiment_id: str | None,
    user_id: str | None = None,
    run_name: str | None = None,
    start_time: int | str | None = None,
    tags: list[tuple[str | None, str | None]] | None = None,
    actor: ActorLike = None,
) -> Run:
    number = tracking_rules.experiment_id(experiment_id)
    tag_map = tracking_rules.tags(tags, tracking_rules.MAX_TAG_VALUE_LENGTH)
    run_name = tracking_rules.run_name(run_name or None)
    tagged = tag_map.get(RUN_NAME_TAG)
    if run_name and tagged and run_name != tagged:
        raise InvalidParameter(
            f"Both 'run_name' argument and 'mlflow.runName' tag are specified, but with "
            f"different values (run_name='{run_name}', mlflow.runName='{tagged}')."
        )
    name = run_name or tracking_rules.run_name(tagged) or random_name()
    tag_map[RUN_NAME_TAG] = name
    now = now_ms()
    start = tracking_rules.int64(start_time, "start_time", now)
    names_user = names.check_text(user_id, "user_id", names.MAX_MODEL_NAME_LENGTH)
    run_id = uuid.uuid4().hex
    with uow.write() as conn:
        experiment = active_experiment_row(conn, number)
        runs.insert_run(
            conn,
            run_id=run_id,
            experiment_id=number,
            name=name,
            user_id=names_user,
            status="RUNNING",
            start_time=start,
            end_time=None,
            lifecycle_stage=ACTIVE,
            artifact_uri=run_artifact_uri(experiment.artifact_location, run_id),
        )
        runs.set_tags(conn, run_id, tag_map)
        audit.record(
            conn,
            actor,
            "run.create",
            Target(RUN, run_id),
            after={"experiment_id": str(number), "run_name": name, "user_id": names_user},
        )
        return runs.load_runs(conn, [run_row(conn, run_id)])[0]


def get_run(uow: UnitOfWork, *, run_id: str | None) -> Run:
    run_id = tracking_rules.run_id(run_id)
    with uow.read() as conn:
        return runs.load_runs(conn, [run_row(conn, run_id)])[0]


def update_run(
    uow: UnitOfWork,
    *,
    run_id: str | None,
    status: str | None = None,
    end_time: int | str | None = None,
    run_name: str | None = None,
    actor: ActorLike = None,
) -> RunInfo:
    run_id = tracking_rules.run_id(run_id)
    values: dict[str, Any] = {}
    if status is not None:
        values["status"] = tracking_rules.run_status(status)
    if end_time is not None:
        values["end_time"] = tracking_rules.int64(end_time, "end_time")
    name = tracking_rules.run_name(run_name or None)
    if name:
        values["name"] = name
    with uow.write() as conn:
        row = active_run_row(conn, run_id)
        if values:
            runs.update_run(conn, run_id, **values)
        if name:
            runs.set_tags(conn, run_id, {RUN_NAME_TAG: name})
        audit.record(
            conn,
            actor,
            "run.update",
            Target(RUN, run_id),
            before={k: getattr(row, k) for k in values},
            after=values,
        )
        return runs.info(run_row(conn, run_id))


def delete_run(uow: UnitOfWork, *, run_id: str | None, actor: ActorLike = None) -> None:
    _set_stage(uow, tracking_rules.run_id(run_id), DELETED, actor, "run.delete")


def restore_run(uow: UnitOfWork, *, run_id: str | None, actor: ActorLike = None) -> None:
    _set_stage(uow, tracking_rules.run_id(run_id), ACTIVE, actor, "run.restore")


def _set_stage(uow: UnitOfWork, run_id: str, stage: str, actor: ActorLike, action: str) -> None:
    with uow.write() as conn:
        row = run_row(conn, run_id, for_update=True)
        if stage == ACTIVE:
            experiment = experiments.find_experiment(conn, row.experiment_id)
            if experiment is None or experiment.lifecycle_stage != ACTIVE:
                raise InvalidParameter(
                    f"Cannot restore run {run_id}: its experiment {row.experiment_id} is deleted."
                )
        runs.update_run(conn, run_id, lifecycle_stage=stage)
        audit.record(
            conn,
            actor,
            action,
            Target(RUN, run_id),
            before={"lifecycle_stage": row.lifecycle_stage},
            after={"lifecycle_stage": stage},
        )


def search_runs(
    uow: UnitOfWork,
    *,
    experiment_ids: Sequence[str] | None,
    filter_string: str | None = None,
    run_view_type: str | None = None,
    max_results: int | None = None,
    order_by: Sequence[str] | None = None,
    page_token: str | None = None,
) -> Page[Run]:
    ids = [tracking_rules.experiment_id(e, "experiment_ids") for e in experiment_ids or []]
    limit = pagination.check_max_results(
        max_results,
        default=tracking_rules.DEFAULT_RUNS_PER_PAGE,
        limit=tracking_rules.MAX_RUNS_PER_PAGE,
    )
    parts = tracking_search.search_runs_statements(
        experiment_ids=ids,
        stages=tracking_rules.view_type(run_view_type),
        comparisons=run_filters.parse_run_filter(filter_string),
        order_bys=run_filters.parse_run_order_by(order_by),
    )
    offset = pagination.decode_offset(page_token)
    if not ids:
        return Page(items=[], next_page_token=None)
    with uow.read() as conn:
        rows = tracking_search.page_of_parts(conn, parts, offset=offset, limit=limit + 1)
        found = runs.load_runs(conn, rows[:limit])
    token = pagination.encode_offset(offset + limit) if len(rows) > limit else None
    return Page(items=found, next_page_token=token)


def get_metric_history(
    uow: UnitOfWork,
    *,
    run_id: str | None,
    metric_key: str | None,
    max_results: int | None = None,
    page_token: str | None = None,
) -> Page[Metric]:
    """Every logged value of one metric, by step then time; paged only if max_results is set."""
    run_id = tracking_rules.run_id(run_id)
    key = tracking_rules.key(metric_key, "metric_key")
    limit = pagination.check_max_results(max_results, default=2**31 - 1, limit=2**31 - 1)
    offset = pagination.decode_offset(page_token)
    with uow.read() as conn:
        run_row(conn, run_id)
        found = runs.metric_history(conn, run_id, key, offset=offset, limit=limit + 1)
    token = pagination.encode_offset(offset + limit) if len(found) > limit else None
    return Page(items=found[:limit], next_page_token=token)


def get_metric_history_bulk_interval(
    uow: UnitOfWork,
    *,
    run_ids: Sequence[str] | None,
    metric_key: str | None,
    start_step: int | str | None = None,
    end_step: int | str | None = None,
    max_results: int | None = None,
) -> list[Metric]:
    ids = [tracking_rules.run_id(r, "run_ids") for r in run_ids or []]
    if not ids:
        raise InvalidParameter("Missing value for required parameter 'run_ids'.")
    if len(ids) > 100:
        raise InvalidParameter(f"At most 100 run_ids may be given; got {len(ids)}.")
    key = tracking_rules.key(metric_key, "metric_key")
    start = tracking_rules.int64(start_step, "start_step")
    end = tracking_rules.int64(end_step, "end_step")
    limit = pagination.check_max_results(max_results, default=2500, limit=2500)
    with uow.read() as conn:
        return runs.metric_history_bulk(conn, ids, key, start_step=start, end_step=end, limit=limit)
