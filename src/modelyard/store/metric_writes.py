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
from modelyard.store.tracking_tables import latest_metrics, metrics

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


def _stored(value: float) -> tuple[float, bool]:
    # SQLite turns NaN into NULL; store 0 and a flag, as MLflow does.
    return (0.0, True) if math.isnan(value) else (value, False)


def rank(step: int, timestamp: int, value: float, is_nan: bool) -> tuple[int, int, bool, float]:
    """MLflow's "latest": highest step, then newest timestamp, then largest value, NaN below
    every number. (The upsert's WHERE clause below says the same in SQL.)"""
    return (step, timestamp, not is_nan, value)


def _values(table: sa.Table, columns: Sequence[str]) -> Insert:
    # Parameter names differ from the column names: SQLAlchemy reserves those for itself.
    return sa.insert(table).values({name: sa.bindparam(f"p_{name}") for name in columns})


_INSERT_HISTORY = _values(metrics, _HISTORY_COLUMNS)
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


def log_metrics(conn: sa.Connection, run_id: str, batch: Sequence[Metric]) -> None:
    """Append to the history and move `latest_metrics` forward where the batch is newer."""
    if not batch:
        return
    history = []
    best: dict[str, tuple[tuple[int, int, bool, float], dict[str, Any]]] = {}
    for m in batch:
        value, is_nan = _stored(m.value)
        row = {
            "p_run_id": run_id,
            "p_key": m.key,
            "p_value": value,
            "p_is_nan": is_nan,
            "p_timestamp": m.timestamp,
            "p_step": m.step,
            "p_model_id": m.model_id,
            "p_dataset_name": m.dataset_name,
            "p_dataset_digest": m.dataset_digest,
        }
        history.append(row)
        order = rank(m.step, m.timestamp, value, is_nan)
        if m.key not in best or order > best[m.key][0]:
            best[m.key] = (order, row)
    prebuilt.executemany(conn, "insert history", _INSERT_HISTORY, history)
    newest = [row for _, row in best.values()]
    dialect = conn.dialect.name
    if dialect not in _UPSERTS:
        _UPSERTS[dialect] = _upsert_latest(dialect)
    upsert = _UPSERTS[dialect]
    if upsert is not None:
        prebuilt.executemany(conn, "upsert latest", upsert, newest)
        return
    _move_latest_by_reading(conn, run_id, newest)


def _move_latest_by_reading(conn: sa.Connection, run_id: str, newest: list[dict[str, Any]]) -> None:
    lm = latest_metrics.c
    current = {
        row.key: rank(row.step, row.timestamp, row.value, row.is_nan)
        for row in conn.execute(
            sa.select(latest_metrics).where(
                lm.run_id == run_id, lm.key.in_([row["p_key"] for row in newest])
            )
        )
    }
    inserts, updates = [], []
    for row in newest:
        now = current.get(row["p_key"])
        if now is None:
            inserts.append(row)
        elif rank(row["p_step"], row["p_timestamp"], row["p_value"], row["p_is_nan"]) > now:
            updates.append(row)
    if inserts:
        prebuilt.executemany(conn, "insert latest", _INSERT_LATEST, inserts)
    if updates:
        prebuilt.executemany(conn, "update latest", _UPDATE_LATEST, updates)
