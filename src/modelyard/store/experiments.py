"""Repository of experiments and their tags: rows in, domain objects out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from modelyard.domain.tracking import Experiment, experiment_artifact_location
from modelyard.store.tracking_tables import experiment_tags, experiments

ex = experiments.c


def find_experiment(
    conn: sa.Connection, experiment_id: int, *, for_update: bool = False
) -> sa.Row[Any] | None:
    stmt = sa.select(experiments).where(ex.id == experiment_id)
    return conn.execute(stmt.with_for_update() if for_update else stmt).first()


def find_experiment_by_name(conn: sa.Connection, name: str) -> sa.Row[Any] | None:
    return conn.execute(sa.select(experiments).where(ex.name == name)).first()


def insert_experiment(
    conn: sa.Connection, *, name: str, artifact_location: str | None, now: int
) -> int:
    """Insert; without an artifact location the experiment gets its proxied default."""
    new_id = conn.execute(
        sa.insert(experiments)
        .values(
            name=name,
            artifact_location=artifact_location or "",
            lifecycle_stage="active",
            creation_time=now,
            last_update_time=now,
        )
        .returning(ex.id)
    ).scalar_one()
    if not artifact_location:
        update_experiment(
            conn, int(new_id), artifact_location=experiment_artifact_location(str(new_id))
        )
    return int(new_id)


def update_experiment(conn: sa.Connection, experiment_id: int, **values: Any) -> None:
    conn.execute(sa.update(experiments).where(ex.id == experiment_id).values(**values))


def set_experiment_tags(conn: sa.Connection, experiment_id: int, tags: dict[str, str]) -> None:
    if not tags:
        return
    t = experiment_tags.c
    conn.execute(
        sa.delete(experiment_tags).where(t.experiment_id == experiment_id, t.key.in_(list(tags)))
    )
    conn.execute(
        sa.insert(experiment_tags),
        [{"experiment_id": experiment_id, "key": k, "value": v} for k, v in tags.items()],
    )


def delete_experiment_tag(conn: sa.Connection, experiment_id: int, key: str) -> bool:
    t = experiment_tags.c
    result = conn.execute(
        sa.delete(experiment_tags).where(t.experiment_id == experiment_id, t.key == key)
    )
    return bool(result.rowcount)


def load_experiments(conn: sa.Connection, rows: Sequence[sa.Row[Any]]) -> list[Experiment]:
    if not rows:
        return []
    ids = [r.id for r in rows]
    tags: dict[int, dict[str, str]] = {i: {} for i in ids}
    t = experiment_tags.c
    for tag in conn.execute(
        sa.select(experiment_tags).where(t.experiment_id.in_(ids)).order_by(t.key)
    ):
        tags[tag.experiment_id][tag.key] = tag.value
    return [
        Experiment(
            experiment_id=str(r.id),
            name=r.name,
            artifact_location=r.artifact_location,
            lifecycle_stage=r.lifecycle_stage,
            creation_time=r.creation_time,
            last_update_time=r.last_update_time,
            tags=tags[r.id],
        )
        for r in rows
    ]
