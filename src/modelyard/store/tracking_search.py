"""SQL for run, experiment and logged-model searches (grammar: `modelyard.domain.run_filters`).

Every condition is an EXISTS over the owner's rows with bound parameters, and ordering by a metric,
param or tag is an outer join on its primary key, so filtering, sorting and paging all happen in
the database. As in MLflow, `metrics.x != 1` or `tags.t != 'v'` only matches rows that have the
metric or tag; rows without an ordered-by key, and NaN metrics, sort last in either direction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, Table

from modelyard.domain.run_filters import (
    RunComparison,
    RunOrderBy,
    experiment_sort,
    run_sort,
)
from modelyard.domain.tracking import DATASET_CONTEXT_TAG
from modelyard.store.search import _compare
from modelyard.store.tracking_tables import (
    datasets,
    experiment_tags,
    experiments,
    latest_metrics,
    logged_model_params,
    logged_model_tags,
    logged_models,
    metrics,
    params,
    run_input_tags,
    run_inputs,
    run_tags,
    runs,
)

_RUN_COLUMNS: Mapping[str, ColumnElement[Any]] = {
    "run_id": runs.c.run_id,
    "run_name": runs.c.name,
    "status": runs.c.status,
    "user_id": runs.c.user_id,
    "artifact_uri": runs.c.artifact_uri,
    "lifecycle_stage": runs.c.lifecycle_stage,
    "start_time": runs.c.start_time,
    "end_time": runs.c.end_time,
    "experiment_id": runs.c.experiment_id,
}
_EXPERIMENT_COLUMNS: Mapping[str, ColumnElement[Any]] = {
    "experiment_id": experiments.c.id,
    "name": experiments.c.name,
    "creation_time": experiments.c.creation_time,
    "last_update_time": experiments.c.last_update_time,
}
_LOGGED_MODEL_COLUMNS: Mapping[str, ColumnElement[Any]] = {
    "model_id": logged_models.c.model_id,
    "name": logged_models.c.name,
    "model_type": logged_models.c.model_type,
    "status": logged_models.c.status,
    "source_run_id": logged_models.c.source_run_id,
    "creation_timestamp": logged_models.c.creation_time,
    "last_updated_timestamp": logged_models.c.last_updated_time,
}


def _column(columns: Mapping[str, ColumnElement[Any]], key: str) -> ColumnElement[Any]:
    column = columns.get(key)
    if column is None:
        raise ValueError(f"no column for search key {key!r}")
    return column


def _key_value(
    table: Table, owner: ColumnElement[Any], owner_column: str, c: RunComparison
) -> ColumnElement[bool]:
    return sa.exists().where(
        table.c[owner_column] == owner,
        table.c.key == c.key,
        _compare(table.c.value, c.op, c.value),  # type: ignore[arg-type]
    )


def _number(
    table: Table, owner: ColumnElement[Any], owner_column: str, c: RunComparison
) -> ColumnElement[bool]:
    return sa.exists().where(
        table.c[owner_column] == owner,
        table.c.key == c.key,
        table.c.is_nan.is_(False),
        _compare(table.c.value, c.op, c.value),  # type: ignore[arg-type]
    )


def _dataset(c: RunComparison) -> ColumnElement[bool]:
    if c.key == "context":
        return sa.exists().where(
            run_inputs.c.run_id == runs.c.run_id,
            run_input_tags.c.input_id == run_inputs.c.id,
            run_input_tags.c.key == DATASET_CONTEXT_TAG,
            _compare(run_input_tags.c.value, c.op, c.value),  # type: ignore[arg-type]
        )
    return sa.exists().where(
        run_inputs.c.run_id == runs.c.run_id,
        datasets.c.id == run_inputs.c.dataset_id,
        _compare(datasets.c[c.key], c.op, c.value),  # type: ignore[arg-type]
    )


def run_conditions(comparisons: Sequence[RunComparison]) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    for c in comparisons:
        if c.kind == "metric":
            out.append(_number(latest_metrics, runs.c.run_id, "run_id", c))
        elif c.kind == "param":
            out.append(_key_value(params, runs.c.run_id, "run_id", c))
        elif c.kind == "tag":
            out.append(_key_value(run_tags, runs.c.run_id, "run_id", c))
        elif c.kind == "dataset":
            out.append(_dataset(c))
        else:
            out.append(_compare(_column(_RUN_COLUMNS, c.key), c.op, c.value))  # type: ignore[arg-type]
    return out


def _joined_order(
    stmt: Select[Any], table: Table, owner: ColumnElement[Any], key: str, ascending: bool
) -> tuple[Select[Any], list[ColumnElement[Any]]]:
    """Outer-join `table`'s row for `key` and sort by its value, rows without it last."""
    alias = table.alias()
    stmt = stmt.outerjoin(
        alias, sa.and_(alias.c[_owner_column(table)] == owner, alias.c.key == key)
    )
    last = [(alias.c.key.is_(None), 2)]
    if "is_nan" in alias.c:
        last.append((alias.c.is_nan.is_(True), 1))
    value = alias.c.value
    return stmt, [sa.case(*last, else_=0).asc(), value.asc() if ascending else value.desc()]


def _owner_column(table: Table) -> str:
    return "model_id" if "model_id" in table.c and "run_id" not in table.c else "run_id"


def _ordered(stmt: Select[Any], orders: Sequence[RunOrderBy]) -> Select[Any]:
    terms: list[ColumnElement[Any]] = []
    tables = {"metric": latest_metrics, "param": params, "tag": run_tags}
    for order in orders:
        if order.kind in tables:
            stmt, more = _joined_order(
                stmt, tables[order.kind], runs.c.run_id, order.key, order.ascending
            )
            terms += more
        else:
            column = _column(_RUN_COLUMNS, order.key)
            terms.append(column.asc() if order.ascending else column.desc())
    return stmt.order_by(*terms)


def _by_metric(order: RunOrderBy, rest: Sequence[RunOrderBy]) -> list[Select[Any]]:
    """Runs with a number for the metric, by it; with NaN; without the metric (see `page`).

    Each part has a constant place in the order, so the first walks the metric's index from the
    best value and stops at the page's end instead of sorting every run.
    """
    lm = latest_metrics.alias()
    having = sa.select(runs).join(lm, sa.and_(lm.c.run_id == runs.c.run_id, lm.c.key == order.key))
    value = lm.c.value.asc() if order.ascending else lm.c.value.desc()
    lacking = sa.select(runs).where(
        ~sa.exists().where(
            latest_metrics.c.run_id == runs.c.run_id, latest_metrics.c.key == order.key
        )
    )
    return [
        _ordered(having.where(lm.c.is_nan == sa.false()).order_by(value), rest),
        _ordered(having.where(lm.c.is_nan == sa.true()), rest),
        _ordered(lacking, rest),
    ]


def search_runs_statements(
    *,
    experiment_ids: Sequence[int],
    stages: Sequence[str],
    comparisons: Sequence[RunComparison],
    order_bys: Sequence[RunOrderBy],
) -> list[Select[Any]]:
    """Statements whose rows, one statement's after the other's, are the search's result."""
    orders = run_sort(order_bys)
    if orders[0].kind == "metric":
        parts = _by_metric(orders[0], orders[1:])
    else:
        parts = [_ordered(sa.select(runs).select_from(runs), orders)]
    conditions = [
        runs.c.experiment_id.in_(list(experiment_ids)),
        runs.c.lifecycle_stage.in_(list(stages)),
        *run_conditions(comparisons),
    ]
    return [part.where(*conditions) for part in parts]


def search_experiments_statement(
    *,
    stages: Sequence[str],
    comparisons: Sequence[RunComparison],
    order_bys: Sequence[RunOrderBy],
) -> Select[Any]:
    conditions = [
        _key_value(experiment_tags, experiments.c.id, "experiment_id", c)
        if c.kind == "tag"
        else _compare(_column(_EXPERIMENT_COLUMNS, c.key), c.op, c.value)  # type: ignore[arg-type]
        for c in comparisons
    ]
    terms = []
    for order in experiment_sort(order_bys):
        column = _column(_EXPERIMENT_COLUMNS, order.key)
        terms.append(column.asc() if order.ascending else column.desc())
    return (
        sa.select(experiments)
        .where(experiments.c.lifecycle_stage.in_(list(stages)), *conditions)
        .order_by(*terms)
    )


def _logged_model_condition(c: RunComparison) -> ColumnElement[bool]:
    owner = logged_models.c.model_id
    if c.kind == "metric":
        return _number(metrics, owner, "model_id", c)
    if c.kind == "param":
        return _key_value(logged_model_params, owner, "model_id", c)
    if c.kind == "tag":
        return _key_value(logged_model_tags, owner, "model_id", c)
    return _compare(_column(_LOGGED_MODEL_COLUMNS, c.key), c.op, c.value)  # type: ignore[arg-type]


def search_logged_models_statement(
    *,
    experiment_ids: Sequence[int],
    comparisons: Sequence[RunComparison],
    order_bys: Sequence[RunOrderBy],
) -> Select[Any]:
    stmt = sa.select(logged_models).select_from(logged_models)
    terms: list[ColumnElement[Any]] = []
    requested = list(order_bys) or [RunOrderBy("attribute", "creation_timestamp", False)]
    for order in requested:
        if order.kind == "metric":
            # A model's metric for ordering: its largest logged value for the key.
            best = (
                sa.select(sa.func.max(metrics.c.value))
                .where(metrics.c.model_id == logged_models.c.model_id, metrics.c.key == order.key)
                .scalar_subquery()
            )
            terms += [sa.case((best.is_(None), 1), else_=0).asc()]
            terms.append(best.asc() if order.ascending else best.desc())
        else:
            column = _column(_LOGGED_MODEL_COLUMNS, order.key)
            terms.append(column.asc() if order.ascending else column.desc())
    terms.append(logged_models.c.model_id.asc())
    return stmt.where(
        logged_models.c.experiment_id.in_(list(experiment_ids)),
        logged_models.c.lifecycle_stage == "active",
        *(_logged_model_condition(c) for c in comparisons),
    ).order_by(*terms)


def page(conn: sa.Connection, stmt: Select[Any], *, offset: int, limit: int) -> list[sa.Row[Any]]:
    """One page of a search statement's rows."""
    return list(conn.execute(stmt.offset(offset).limit(limit)))


def page_of_parts(
    conn: sa.Connection, parts: Sequence[Select[Any]], *, offset: int, limit: int
) -> list[sa.Row[Any]]:
    """One page of the rows of `parts` taken one after the other; a part is counted only when
    the page starts past its end."""
    rows: list[sa.Row[Any]] = []
    for part in parts:
        found = page(conn, part, offset=offset, limit=limit - len(rows))
        if offset and not found:
            counted = sa.select(sa.func.count()).select_from(part.order_by(None).subquery())
            offset -= min(offset, conn.execute(counted).scalar_one())
            continue
        offset = 0
        rows += found
        if len(rows) >= limit:
            break
    return rows
