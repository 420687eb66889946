"""Repository of MLflow 3 logged models, their tags, params and linked metrics."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from modelyard.domain.tracking import LoggedModel, Metric
from modelyard.store.tracking_tables import (
    logged_model_params,
    logged_model_tags,
    logged_models,
    metrics,
)

lm = logged_models.c


def find_logged_model(
    conn: sa.Connection, model_id: str, *, for_update: bool = False
) -> sa.Row[Any] | None:
    stmt = sa.select(logged_models).where(lm.model_id == model_id)
    return conn.execute(stmt.with_for_update() if for_update else stmt).first()


def insert_logged_model(conn: sa.Connection, **values: Any) -> None:
    conn.execute(sa.insert(logged_models).values(**values))


def update_logged_model(conn: sa.Connection, model_id: str, **values: Any) -> None:
    conn.execute(sa.update(logged_models).where(lm.model_id == model_id).values(**values))


def _replace(conn: sa.Connection, table: sa.Table, model_id: str, values: dict[str, str]) -> None:
    if not values:
        return
    conn.execute(
        sa.delete(table).where(table.c.model_id == model_id, table.c.key.in_(list(values)))
    )
    conn.execute(
        sa.insert(table), [{"model_id": model_id, "key": k, "value": v} for k, v in values.items()]
    )


def set_tags(conn: sa.Connection, model_id: str, tags: dict[str, str]) -> None:
    _replace(conn, logged_model_tags, model_id, tags)


def set_params(conn: sa.Connection, model_id: str, values: dict[str, str]) -> None:
    _replace(conn, logged_model_params, model_id, values)


def delete_tag(conn: sa.Connection, model_id: str, key: str) -> bool:
    t = logged_model_tags.c
    result = conn.execute(sa.delete(logged_model_tags).where(t.model_id == model_id, t.key == key))
    return bool(result.rowcount)


def load_logged_models(conn: sa.Connection, rows: Sequence[sa.Row[Any]]) -> list[LoggedModel]:
    if not rows:
        return []
    ids = [r.model_id for r in rows]
    loaded = {
        r.model_id: LoggedModel(
            model_id=r.model_id,
            experiment_id=str(r.experiment_id),
            name=r.name,
            artifact_location=r.artifact_location,
            creation_timestamp=r.creation_time,
            last_updated_timestamp=r.last_updated_time,
            status=r.status,
            lifecycle_stage=r.lifecycle_stage,
            model_type=r.model_type,
            source_run_id=r.source_run_id,
            status_message=r.status_message,
        )
        for r in rows
    }
    for table, attr in ((logged_model_tags, "tags"), (logged_model_params, "params")):
        for t in conn.execute(
            sa.select(table).where(table.c.model_id.in_(ids)).order_by(table.c.key)
        ):
            getattr(loaded[t.model_id], attr)[t.key] = t.value
    m = metrics.c
    for row in conn.execute(
        sa.select(metrics).where(m.model_id.in_(ids)).order_by(m.key, m.step, m.timestamp, m.id)
    ):
        loaded[row.model_id].metrics.append(
            Metric(
                key=row.key,
                value=math.nan if row.is_nan else float(row.value),
                timestamp=row.timestamp,
                step=row.step,
                run_id=row.run_id,
                model_id=row.model_id,
                dataset_name=row.dataset_name,
                dataset_digest=row.dataset_digest,
            )
        )
    return [loaded[i] for i in ids]
