"""Repository of model versions, their tags and the aliases that point at them.

Hot-path statements are built once with bind parameters: building SQLAlchemy expressions per
request cost more than running them.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, bindparam

from modelyard.domain.registry import PENDING_REGISTRATION, ModelVersion
from modelyard.store import prebuilt
from modelyard.store.tables import (
    model_version_tags,
    model_versions,
    registered_model_aliases,
    registered_models,
)

mv = model_versions.c
rm = registered_models.c
alias_t = registered_model_aliases.c
tag_t = model_version_tags.c

# A version row with its model's name: what every read of versions selects.
_VERSION_SELECT = sa.select(model_versions, rm.name.label("model_name")).join(
    registered_models, rm.id == mv.model_id
)
_BY_MODEL_ID = _VERSION_SELECT.where(
    mv.model_id == bindparam("model_id"), mv.version == bindparam("version")
)
_BY_PK = _VERSION_SELECT.where(mv.id == bindparam("id"))
_BY_NAME = _VERSION_SELECT.where(rm.name == bindparam("name"), mv.version == bindparam("version"))
# Joined on the alias's model too, so the planner goes name -> (model_id, alias) -> version
# instead of scanning the model's versions.
_BY_ALIAS = _VERSION_SELECT.join(
    registered_model_aliases, sa.and_(alias_t.version_id == mv.id, alias_t.model_id == rm.id)
).where(rm.name == bindparam("name"), alias_t.alias == bindparam("alias"))
_NEWEST = _VERSION_SELECT.where(rm.name == bindparam("name")).order_by(mv.version.desc()).limit(1)


def _labels_of(tag_version: ColumnElement[bool], alias_version: ColumnElement[bool]) -> Any:
    """Versions' tags (kind 0: key, value) and aliases (kind 1: alias) in one statement, aliases
    in name order: one round trip instead of two for every version read."""
    tags = sa.select(
        sa.literal_column("0").label("kind"),
        tag_t.version_id,
        tag_t.key.label("label"),
        tag_t.value,
    ).where(tag_version)
    aliases = sa.select(sa.literal_column("1"), alias_t.version_id, alias_t.alias, sa.null()).where(
        alias_version
    )
    return sa.union_all(tags, aliases).order_by(sa.column("kind"), sa.column("label"))


# One version by its id (prebuilt `=`), or many (expanding `IN` lists, rendered per call).
_LABELS_OF_ONE = _labels_of(
    tag_t.version_id == bindparam("id"), alias_t.version_id == bindparam("id")
)
_LABELS_OF_MANY = _labels_of(
    tag_t.version_id.in_(bindparam("ids", expanding=True)),
    alias_t.version_id.in_(bindparam("alias_ids", expanding=True)),
)
# Through the driver (store/prebuilt.py): a create is a few short statements, and SQLAlchemy's
# per-execution work was a sixth of its time.
_INSERTED_COLUMNS = tuple(c.name for c in model_versions.c if c.name != "id")
_INSERT = (
    sa.insert(model_versions)
    .values({name: bindparam(name) for name in _INSERTED_COLUMNS})
    .returning(*model_versions.c)
)


def insert_version(conn: sa.Connection, **values: Any) -> sa.Row[Any]:
    """Every column but the id; those not given are NULL."""
    row: sa.Row[Any] = prebuilt.execute(
        conn, "insert version", _INSERT, {name: values.get(name) for name in _INSERTED_COLUMNS}
    )
    return row


def find_version(conn: sa.Connection, model_id: int, version: int) -> sa.Row[Any] | None:
    return conn.execute(_BY_MODEL_ID, {"model_id": model_id, "version": version}).first()


def find_version_by_pk(conn: sa.Connection, version_id: int) -> sa.Row[Any]:
    return conn.execute(_BY_PK, {"id": version_id}).one()


def find_version_by_name(conn: sa.Connection, name: str, version: int) -> sa.Row[Any] | None:
    return conn.execute(_BY_NAME, {"name": name, "version": version}).first()


def find_version_by_alias(conn: sa.Connection, name: str, alias: str) -> sa.Row[Any] | None:
    return conn.execute(_BY_ALIAS, {"name": name, "alias": alias}).first()


def find_newest_version(conn: sa.Connection, name: str) -> sa.Row[Any] | None:
    return conn.execute(_NEWEST, {"name": name}).first()


def update_version(conn: sa.Connection, version_id: int, **values: Any) -> None:
    conn.execute(sa.update(model_versions).where(mv.id == version_id).values(**values))


def update_pending(conn: sa.Connection, version_id: int, **values: Any) -> bool:
    """Updates the version only while it is PENDING_REGISTRATION; False if it no longer is."""
    result = conn.execute(
        sa.update(model_versions)
        .where(mv.id == version_id, mv.status == PENDING_REGISTRATION)
        .values(**values)
    )
    return bool(result.rowcount == 1)


def extend_registration(conn: sa.Connection, version_id: int, until: int) -> bool:
    return update_pending(conn, version_id, registration_expires=until)


def expired_registrations(
    conn: sa.Connection, now: int, *, lock: bool = False
) -> list[sa.Row[Any]]:
    """Pending versions whose registration lease ended before `now`: id, model_name, version.
    `lock` takes their rows (PostgreSQL) so that one process fails each."""
    stmt = (
        sa.select(mv.id, rm.name.label("model_name"), mv.version)
        .join(registered_models, registered_models.c.id == mv.model_id)
        .where(mv.registration_expires < now, mv.status == PENDING_REGISTRATION)
        .order_by(mv.id)
    )
    return list(conn.execute(stmt.with_for_update(of=model_versions) if lock else stmt))


def delete_version(conn: sa.Connection, version_id: int) -> None:
    # Its tags and the aliases pointing at it go with it (ON DELETE CASCADE).
    conn.execute(sa.delete(model_versions).where(mv.id == version_id))


def archive_stage(
    conn: sa.Connection, *, model_id: int, stage: str, keep_version_id: int, now: int
) -> None:
    conn.execute(
        sa.update(model_versions)
        .where(mv.model_id == model_id, mv.current_stage == stage, mv.id != keep_version_id)
        .values(current_stage="Archived", last_updated_time=now)
    )


def set_version_tags(conn: sa.Connection, version_id: int, tags: dict[str, str]) -> None:
    if not tags:
        return
    conn.execute(
        sa.delete(model_version_tags).where(
            tag_t.version_id == version_id, tag_t.key.in_(list(tags))
        )
    )
    conn.execute(
        sa.insert(model_version_tags),
        [{"version_id": version_id, "key": k, "value": v} for k, v in tags.items()],
    )


def delete_version_tag(conn: sa.Connection, version_id: int, key: str) -> bool:
    result = conn.execute(
        sa.delete(model_version_tags).where(tag_t.version_id == version_id, tag_t.key == key)
    )
    return bool(result.rowcount)


def set_alias(conn: sa.Connection, *, model_id: int, alias: str, version_id: int) -> None:
    conn.execute(
        sa.delete(registered_model_aliases).where(
            alias_t.model_id == model_id, alias_t.alias == alias
        )
    )
    conn.execute(
        sa.insert(registered_model_aliases).values(
            model_id=model_id, alias=alias, version_id=version_id
        )
    )


def delete_alias(conn: sa.Connection, *, model_id: int, alias: str) -> bool:
    result = conn.execute(
        sa.delete(registered_model_aliases).where(
            alias_t.model_id == model_id, alias_t.alias == alias
        )
    )
    return bool(result.rowcount)


def latest_per_stage(
    conn: sa.Connection, model_ids: Sequence[int], *, stages: Sequence[str] | None
) -> dict[int, list[ModelVersion]]:
    """The newest version in each stage, per model."""
    if not model_ids:
        return {}
    newest = (
        sa.select(mv.model_id, mv.current_stage, sa.func.max(mv.version).label("version"))
        .where(mv.model_id.in_(model_ids))
        .group_by(mv.model_id, mv.current_stage)
    )
    if stages is not None:
        newest = newest.where(mv.current_stage.in_(stages))
    sub = newest.subquery()
    stmt = _VERSION_SELECT.join(
        sub,
        sa.and_(
            sub.c.model_id == mv.model_id,
            sub.c.current_stage == mv.current_stage,
            sub.c.version == mv.version,
        ),
    ).order_by(mv.model_id, mv.version)
    result: dict[int, list[ModelVersion]] = {}
    rows = list(conn.execute(stmt))
    for row, version in zip(rows, load_versions(conn, rows), strict=True):
        result.setdefault(row.model_id, []).append(version)
    return result


def search_statement(
    *,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    offset: int,
    limit: int,
) -> sa.Select[Any]:
    return _VERSION_SELECT.where(*where).order_by(*order).offset(offset).limit(limit)


def search_versions(
    conn: sa.Connection,
    *,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    offset: int,
    limit: int,
) -> list[sa.Row[Any]]:
    stmt = search_statement(where=where, order=order, offset=offset, limit=limit)
    return list(conn.execute(stmt))


def chunks(ids: Sequence[int], size: int = 5_000) -> Iterable[Sequence[int]]:
    """Slices small enough for any driver's limit on bound parameters."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def load_versions(conn: sa.Connection, rows: Iterable[sa.Row[Any]]) -> list[ModelVersion]:
    """Domain objects for version rows (from `_VERSION_SELECT`), tags and aliases included."""
    rows = list(rows)
    if not rows:
        return []
    ids = [r.id for r in rows]
    tags: dict[int, dict[str, str]] = {i: {} for i in ids}
    aliases: dict[int, list[str]] = {i: [] for i in ids}
    if len(ids) == 1:
        results = [conn.execute(_LABELS_OF_ONE, {"id": ids[0]})]
    else:
        results = [
            conn.execute(_LABELS_OF_MANY, {"ids": chunk, "alias_ids": chunk})
            for chunk in chunks(ids)
        ]
    for result in results:
        for kind, version_id, label, value in result:
            if kind == 0:
                tags[version_id][label] = value
            else:
                aliases[version_id].append(label)
    pick = _row_fields(rows[0]._fields)  # every row of one result has the same columns
    return [_version(pick(r), r.model_name, tags[r.id], aliases[r.id]) for r in rows]


def to_version(
    row: sa.Row[Any], name: str, tags: dict[str, str], aliases: list[str]
) -> ModelVersion:
    return _version(_row_fields(row._fields)(row), name, tags, aliases)


# ModelVersion's fields that come from a model_versions row, and the columns named otherwise.
# Fields are read by position: reading a Row's attributes by name costs ~0.3 µs each, most of
# a page of 200 versions' time.
_COLUMN_OF_FIELD = {
    "creation_timestamp": "creation_time",
    "last_updated_timestamp": "last_updated_time",
    "model_id": "logged_model_id",
}
_ROW_FIELDS = tuple(
    f.name for f in dataclasses.fields(ModelVersion) if f.name not in ("name", "tags", "aliases")
)


@functools.lru_cache(maxsize=16)
def _row_fields(columns: tuple[str, ...]) -> Callable[[sa.Row[Any]], tuple[Any, ...]]:
    """Picks the values of `_ROW_FIELDS`, in that order, from rows with these columns."""
    position = {column: i for i, column in enumerate(columns)}
    return operator.itemgetter(*(position[_COLUMN_OF_FIELD.get(f, f)] for f in _ROW_FIELDS))


def _version(
    values: tuple[Any, ...], name: str, tags: dict[str, str], aliases: list[str]
) -> ModelVersion:
    return ModelVersion(
        name=name, tags=tags, aliases=aliases, **dict(zip(_ROW_FIELDS, values, strict=True))
    )
