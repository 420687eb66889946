"""Writing metrics: a log-batch appends up to 1,000 history rows and moves as many latest
values forward, in one transaction.

Both run through the driver's executemany with statements compiled once per dialect
(store/prebuilt.py): SQLAlchemy's own executemany builds and processes every row's
parameters (about 5 µs a row, most of a 1,000-metric request). On SQLite and PostgreSQL the
latest values move with one upsert per row (`INSERT ... ON CONFLICT DO UPDATE ... WHERE
newer`); other databases read the current values first and update the older ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.dml import Insert, ValuesBase

from modelyard.domain.tracking import Metric
from modelyard.store import prebuilt
from modelyard.store.tracking_tables import METRIC_SEGMENT_ROWS, latest_metrics, metrics, runs

_HISTORY_COLUMNS = (
    "run_id",
    "key",
    "value",
    "is_nan",
    "timestamp",
    "step",
    "model_id",
    "dataset_name",
    "dataset_digest",
)
_LATEST_COLUMNS = _HISTORY_COLUMNS[:6]
_HISTORY_PARAMS = tuple(f"p_{name}" for name in (*_HISTORY_COLUMNS, "segment"))
_LATEST_PARAMS = _HISTORY_PARAMS[:6]


def _stored(value: float) -> tuple[float, bool]:
    # SQLite turns NaN into NULL; store 0 and a flag, as MLflow does.
    return (0.0, True) if math.isnan(value) else (value, False)


Rank = tuple[int, int, bool, float]


def rank(step: int, timestamp: int, value: float, is_nan: bool) -> Rank:
    """MLflow's "latest": highest step, then newest timestamp, then largest value, NaN below
    every number. (The upsert's WHERE clause below says the same in SQL.)"""
    return (step, timestamp, not is_nan, value)


def _values(table: sa.Table, columns: Sequence[str]) -> Insert:
    # Parameter names differ from the column names: SQLAlchemy reserves those for itself.
    return sa.insert(table).values({name: sa.bindparam(f"p_{name}") for name in columns})


_INSERT_HISTORY = _values(metrics, (*_HISTORY_COLUMNS, "segment"))
_INSERT_LATEST = _values(latest_metrics, _LATEST_COLUMNS)
_UPDATE_LATEST = (
    sa.update(latest_metrics)
    .where(
        latest_metrics.c.run_id == sa.bindparam("p_run_id"),
        latest_metrics.c.key == sa.bindparam("p_key"),
    )
    .values({name: sa.bindparam(f"p_{name}") for name in _LATEST_COLUMNS[2:]})
)


def _upsert_latest(dialect: str) -> ValuesBase | None:
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
    else:
        return None
    lm = latest_metrics.c
    stmt = insert(latest_metrics).values(
        {name: sa.bindparam(f"p_{name}") for name in _LATEST_COLUMNS}
    )
    new = stmt.excluded
    newer = sa.or_(
        new.step > lm.step,
        sa.and_(
            new.step == lm.step,
            sa.or_(
                new.timestamp > lm.timestamp,
                sa.and_(
                    new.timestamp == lm.timestamp,
                    sa.not_(new.is_nan),
                    sa.or_(lm.is_nan, new.value > lm.value),
                ),
            ),
        ),
    )
    return stmt.on_conflict_do_update(
        index_elements=[lm.run_id, lm.key],
        set_={name: new[name] for name in _LATEST_COLUMNS[2:]},
        where=newer,
    )


_UPSERTS: dict[str, ValuesBase | None] = {}

# Dialects with UPDATE ... RETURNING; others read the counter, then update it.
COUNT_BY_RETURNING = {"sqlite", "postgresql"}
_COUNT_ROWS = (
    sa.update(runs)
    .where(runs.c.run_id == sa.bindparam("p_run_id"))
    .values(metric_rows=runs.c.metric_rows + sa.bindparam("p_rows"))
    .returning(runs.c.metric_rows)
)


def log_metrics(conn: sa.Connection, run_id: str, batch: Sequence[Metric]) -> None:
    """Append to the history and move `latest_metrics` forward where the batch is newer."""
    if not batch:
        return
    segment = _take_segment(conn, run_id, len(batch))
    history = []
    best: dict[str, tuple[Rank, tuple[Any, ...]]] = {}
    for m in batch:
        value, is_nan = _stored(m.value)
        row = (
            run_id,
            m.key,
            value,
            is_nan,
            m.timestamp,
            m.step,
            m.model_id,
            m.dataset_name,
            m.dataset_digest,
            segment,
        )
        history.append(row)
        order = rank(m.step, m.timestamp, value, is_nan)
        if m.key not in best or order > best[m.key][0]:
            best[m.key] = (order, row)
    prebuilt.executemany(conn, "insert history", _INSERT_HISTORY, _HISTORY_PARAMS, history)
    newest = [row[:6] for _, row in best.values()]
    dialect = conn.dialect.name
    if dialect not in _UPSERTS:
        _UPSERTS[dialect] = _upsert_latest(dialect)
    upsert = _UPSERTS[dialect]
    if upsert is not None:
        prebuilt.executemany(conn, "upsert latest", upsert, _LATEST_PARAMS, newest)
        return
    _move_latest_by_reading(conn, run_id, best)


def _take_segment(conn: sa.Connection, run_id: str, rows: int) -> int:
    """Counts the batch's rows in `runs.metric_rows`; returns the segment its history goes to
    (store/tracking_tables.py). The update locks the run's row, so concurrent batches of one
    run count one after the other."""
    if conn.dialect.name in COUNT_BY_RETURNING:
        after = prebuilt.execute(
            conn, "count metric rows", _COUNT_ROWS, {"p_run_id": run_id, "p_rows": rows}
        )[0]
    else:  # no UPDATE ... RETURNING
        r = runs.c
        after = conn.execute(
            sa.select(r.metric_rows).where(r.run_id == run_id).with_for_update()
        ).scalar_one()
        after += rows
        conn.execute(sa.update(runs).where(r.run_id == run_id).values(metric_rows=after))
    return int(after - rows) // METRIC_SEGMENT_ROWS


def _move_latest_by_reading(
    conn: sa.Connection, run_id: str, best: dict[str, tuple[Rank, tuple[Any, ...]]]
) -> None:
    """For databases without the upsert: read the batch's keys' latest values, insert the
    missing ones and update the older ones."""
    lm = latest_metrics.c
    current = {
        row.key: rank(row.step, row.timestamp, row.value, row.is_nan)
        for row in conn.execute(
            sa.select(latest_metrics).where(lm.run_id == run_id, lm.key.in_(list(best)))
        )
    }
    inserts = [row[:6] for key, (_, row) in best.items() if key not in current]
    updates = [
        row[:6] for key, (order, row) in best.items() if key in current and order > current[key]
    ]
    if inserts:
        prebuilt.executemany(conn, "insert latest", _INSERT_LATEST, _LATEST_PARAMS, inserts)
    if updates:
        prebuilt.executemany(conn, "update latest", _UPDATE_LATEST, _LATEST_PARAMS, updates)
