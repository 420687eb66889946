"""Repository of registered models: rows in, domain objects out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, bindparam

from modelyard.domain.registry import RegisteredModel
from modelyard.store import prebuilt, versions
from modelyard.store.tables import (
    model_versions,
    registered_model_aliases,
    registered_model_tags,
    registered_models,
)

rm = registered_models.c


_BY_NAME = sa.select(registered_models).where(rm.name == bindparam("name"))
_BY_NAME_FOR_UPDATE = _BY_NAME.with_for_update()
_ALLOCATE = (
    sa.update(registered_models)
    .where(rm.name == bindparam("model_name"))
    .values(next_version=rm.next_version + 1, last_updated_time=bindparam("now"))
    .returning(rm.id, rm.next_version)
)


def find_model(conn: sa.Connection, name: str, *, for_update: bool = False) -> sa.Row[Any] | None:
    """The model's row; `for_update` locks it so that writes to one model run one at a time."""
    return conn.execute(_BY_NAME_FOR_UPDATE if for_update else _BY_NAME, {"name": name}).first()


def insert_model(
    conn: sa.Connection, *, name: str, description: str | None, user_id: str | None, now: int
) -> int:
    result = conn.execute(
        sa.insert(registered_models)
        .values(
            name=name,
            description=description,
            user_id=user_id,
            creation_time=now,
            last_updated_time=now,
            next_version=1,
        )
        .returning(rm.id)
    )
    return int(result.scalar_one())


def update_model(conn: sa.Connection, model_id: int, **values: Any) -> None:
    conn.execute(sa.update(registered_models).where(rm.id == model_id).values(**values))


def delete_model(conn: sa.Connection, model_id: int) -> None:
    # Tags, versions, their tags and aliases go with it (ON DELETE CASCADE).
    conn.execute(sa.delete(registered_models).where(rm.id == model_id))


def allocate_version(conn: sa.Connection, name: str, now: int) -> tuple[int, int] | None:
    """Atomically take the model's next version number: (model id, number), None if no model.

    The UPDATE takes the row lock (PostgreSQL) or runs under the write lock (SQLite), so
    concurrent creators get consecutive numbers, and a deleted version's number is never reused.
    It also marks the model as updated, in the same statement.
    """
    row = prebuilt.execute(conn, "allocate version", _ALLOCATE, {"model_name": name, "now": now})
    return None if row is None else (int(row.id), int(row.next_version) - 1)


def set_model_tags(conn: sa.Connection, model_id: int, tags: dict[str, str]) -> None:
    if not tags:
        return
    keys = list(tags)
    conn.execute(
        sa.delete(registered_model_tags).where(
            registered_model_tags.c.model_id == model_id, registered_model_tags.c.key.in_(keys)
        )
    )
    conn.execute(
        sa.insert(registered_model_tags),
        [{"model_id": model_id, "key": k, "value": v} for k, v in tags.items()],
    )


def delete_model_tag(conn: sa.Connection, model_id: int, key: str) -> bool:
    result = conn.execute(
        sa.delete(registered_model_tags).where(
            registered_model_tags.c.model_id == model_id, registered_model_tags.c.key == key
        )
    )
    return bool(result.rowcount)


def load_models(conn: sa.Connection, rows: Sequence[sa.Row[Any]]) -> list[RegisteredModel]:
    """Build full registered models (tags, aliases, latest versions) with one query per part."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    tags: dict[int, dict[str, str]] = {i: {} for i in ids}
    for t in conn.execute(
        sa.select(registered_model_tags).where(registered_model_tags.c.model_id.in_(ids))
    ):
        tags[t.model_id][t.key] = t.value
    aliases: dict[int, dict[str, int]] = {i: {} for i in ids}
    for a in conn.execute(
        sa.select(
            registered_model_aliases.c.model_id,
            registered_model_aliases.c.alias,
            model_versions.c.version,
        )
        .join(model_versions, model_versions.c.id == registered_model_aliases.c.version_id)
        .where(registered_model_aliases.c.model_id.in_(ids))
        .order_by(registered_model_aliases.c.alias)
    ):
        aliases[a.model_id][a.alias] = a.version
    latest = versions.latest_per_stage(conn, ids, stages=None)
    return [
        RegisteredModel(
            name=r.name,
            creation_timestamp=r.creation_time,
            last_updated_timestamp=r.last_updated_time,
            user_id=r.user_id,
            description=r.description,
            tags=tags[r.id],
            aliases=aliases[r.id],
            latest_versions=latest.get(r.id, []),
        )
        for r in rows
    ]


def search_models(
    conn: sa.Connection,
    *,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    offset: int,
    limit: int,
) -> list[sa.Row[Any]]:
    stmt = sa.select(registered_models).where(*where).order_by(*order).offset(offset).limit(limit)
    return list(conn.execute(stmt))
