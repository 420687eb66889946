"""Repository of runs with their params, tags and metrics: rows in, domain objects out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from modelyard.domain.tracking import Metric, Run, RunInfo
from modelyard.store import run_io
from modelyard.store.tracking_tables import (
    METRIC_SEGMENT_ROWS,
    latest_metrics,
    metrics,
    params,
    run_tags,
    runs,
)

r_ = runs.c


def find_run(conn: sa.Connection, run_id: str, *, for_update: bool = False) -> sa.Row[Any] | None:
    stmt = sa.select(runs).where(r_.run_id == run_id)
    return conn.execute(stmt.with_for_update() if for_update else stmt).first()


def insert_run(conn: sa.Connection, **values: Any) -> None:
    conn.execute(sa.insert(runs).values(**values))


def update_run(conn: sa.Connection, run_id: str, **values: Any) -> None:
    conn.execute(sa.update(runs).where(r_.run_id == run_id).values(**values))


def mark_experiment_runs(conn: sa.Connection, experiment_id: int, stage: str) -> None:
    """Deleting or restoring an experiment does the same to its runs, as in MLflow."""
    conn.execute(
        sa.update(runs).where(r_.experiment_id == experiment_id).values(lifecycle_stage=stage)
    )


# --- tags and params ---------------------------------------------------------------------------


def set_tags(conn: sa.Connection, run_id: str, tags: dict[str, str]) -> None:
    if not tags:
        return
    t = run_tags.c
    conn.execute(sa.delete(run_tags).where(t.run_id == run_id, t.key.in_(list(tags))))
    conn.execute(
        sa.insert(run_tags), [{"run_id": run_id, "key": k, "value": v} for k, v in tags.items()]
    )


def tags_of(conn: sa.Connection, run_id: str) -> dict[str, str]:
    t = run_tags.c
    return {
        r.key: r.value for r in conn.execute(sa.select(t.key, t.value).where(t.run_id == run_id))
    }


def delete_tag(conn: sa.Connection, run_id: str, key: str) -> bool:
    t = run_tags.c
    return bool(conn.execute(sa.delete(run_tags).where(t.run_id == run_id, t.key == key)).rowcount)


def existing_params(conn: sa.Connection, run_id: str, keys: Sequence[str]) -> dict[str, str]:
    p = params.c
    rows = conn.execute(sa.select(p.key, p.value).where(p.run_id == run_id, p.key.in_(keys)))
    return {row.key: row.value for row in rows}


def insert_params(conn: sa.Connection, run_id: str, values: dict[str, str]) -> None:
    if values:
        conn.execute(
            sa.insert(params), [{"run_id": run_id, "key": k, "value": v} for k, v in values.items()]
        )


# --- metrics -----------------------------------------------------------------------------------


def _metric(row: Any, run_id: str | None = None, *, history: bool = True) -> Metric:
    """A metric from a `metrics` (history) row, or a `latest_metrics` row (history=False: it
    has no model or dataset columns; asking a row for a missing column costs an exception)."""
    return Metric(
        key=row.key,
        value=math.nan if row.is_nan else float(row.value),
        timestamp=row.timestamp,
        step=row.step,
        run_id=run_id,
        model_id=row.model_id if history else None,
        dataset_name=row.dataset_name if history else None,
        dataset_digest=row.dataset_digest if history else None,
    )


def _segments(conn: sa.Connection, run_ids: Sequence[str]) -> ColumnElement[bool]:
    """The history index's segments the runs' rows are in (tracking_tables.py): matched as a
    list, so that the database seeks (run, segment, key) once for each."""
    rows = conn.execute(
        sa.select(sa.func.max(r_.metric_rows)).where(r_.run_id.in_(list(run_ids)))
    ).scalar()
    last = max(int(rows or 0) - 1, 0) // METRIC_SEGMENT_ROWS
    # Inline numbers: a long run has thousands of segments, more than a driver's parameters.
    listed: sa.BindParameter[list[int]] = sa.bindparam(
        "segments", list(range(last + 1)), expanding=True, literal_execute=True
    )
    return metrics.c.segment.in_(listed)


def metric_history(
    conn: sa.Connection, run_id: str, key: str, *, offset: int, limit: int
) -> list[Metric]:
    m = metrics.c
    stmt = (
        sa.select(metrics)
        .where(m.run_id == run_id, _segments(conn, [run_id]), m.key == key)
        .order_by(m.step, m.timestamp, m.id)
        .offset(offset)
        .limit(limit)
    )
    return [_metric(row, run_id) for row in conn.execute(stmt)]


def metric_history_bulk(
    conn: sa.Connection,
    run_ids: Sequence[str],
    key: str,
    *,
    start_step: int | None,
    end_step: int | None,
    limit: int,
) -> list[Metric]:
    m = metrics.c
    conditions = [m.run_id.in_(list(run_ids)), _segments(conn, run_ids), m.key == key]
    if start_step is not None:
        conditions.append(m.step >= start_step)
    if end_step is not None:
        conditions.append(m.step <= end_step)
    stmt = sa.select(metrics).where(*conditions).order_by(m.run_id, m.step, m.timestamp, m.id)
    return [_metric(row, row.run_id) for row in conn.execute(stmt.limit(limit))]


# --- loading -----------------------------------------------------------------------------------


def info(row: Any) -> RunInfo:
    return RunInfo(
        run_id=row.run_id,
        experiment_id=str(row.experiment_id),
        run_name=row.name,
        user_id=row.user_id,
        status=row.status,
        start_time=row.start_time,
        end_time=row.end_time,
        artifact_uri=row.artifact_uri,
        lifecycle_stage=row.lifecycle_stage,
    )


def load_runs(conn: sa.Connection, rows: Sequence[sa.Row[Any]]) -> list[Run]:
    """Full runs (latest metrics, params, tags, inputs, outputs), one query per part."""
    if not rows:
        return []
    ids = [row.run_id for row in rows]
    loaded = {row.run_id: Run(info=info(row)) for row in rows}
    for m in conn.execute(
        sa.select(latest_metrics)
        .where(latest_metrics.c.run_id.in_(ids))
        .order_by(latest_metrics.c.key)
    ):
        loaded[m.run_id].metrics.append(_metric(m, m.run_id, history=False))
    for p in conn.execute(sa.select(params).where(params.c.run_id.in_(ids)).order_by(params.c.key)):
        loaded[p.run_id].params[p.key] = p.value
    for t in conn.execute(
        sa.select(run_tags).where(run_tags.c.run_id.in_(ids)).order_by(run_tags.c.key)
    ):
        loaded[t.run_id].tags[t.key] = t.value
    run_io.load_inputs_outputs(conn, loaded)
    return [loaded[i] for i in ids]
