"""SQL for parsed search filters and orderings (grammar: `modelyard.domain.filters`).

Every condition is a SQL expression with bound parameters, so filtering and paging happen in the
database. Version conditions assume the caller selects FROM model_versions JOIN registered_models
ON model_versions.model_id = registered_models.id, so `name` is the registered model's name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Table

from modelyard.domain.filters import Comparison, OrderBy, model_version_sort, registered_model_sort
from modelyard.store.tables import (
    model_version_tags,
    model_versions,
    registered_model_tags,
    registered_models,
)

# Backslash escapes % and _ in LIKE patterns. It is PostgreSQL's default and SQLite has none, so
# naming it makes a pattern mean the same on both.
_LIKE_ESCAPE = "\\"

_MODEL_ATTRIBUTES: Mapping[str, ColumnElement[Any]] = {"name": registered_models.c.name}
_VERSION_ATTRIBUTES: Mapping[str, ColumnElement[Any]] = {
    "name": registered_models.c.name,
    "run_id": model_versions.c.run_id,
    "source_path": model_versions.c.source,
    "version_number": model_versions.c.version,
}
_MODEL_ORDER: Mapping[str, ColumnElement[Any]] = {
    "name": registered_models.c.name,
    "creation_timestamp": registered_models.c.creation_time,
    "last_updated_timestamp": registered_models.c.last_updated_time,
}
_VERSION_ORDER: Mapping[str, ColumnElement[Any]] = {
    "name": registered_models.c.name,
    "version_number": model_versions.c.version,
    "creation_timestamp": model_versions.c.creation_time,
    "last_updated_timestamp": model_versions.c.last_updated_time,
}


def registered_model_where(comparisons: Sequence[Comparison]) -> list[ColumnElement[bool]]:
    """Conditions on `registered_models` (tags via `registered_model_tags`), to be ANDed."""
    return [
        _condition(c, _MODEL_ATTRIBUTES, registered_model_tags, "model_id", registered_models)
        for c in comparisons
    ]


def registered_model_order(order_bys: Sequence[OrderBy]) -> list[ColumnElement[Any]]:
    """ORDER BY terms: the request, MLflow's defaults, then the id so pages never overlap."""
    return _order(registered_model_sort(order_bys), _MODEL_ORDER, registered_models)


def model_version_where(comparisons: Sequence[Comparison]) -> list[ColumnElement[bool]]:
    """Conditions on model_versions JOIN registered_models (tags via `model_version_tags`)."""
    return [
        _condition(c, _VERSION_ATTRIBUTES, model_version_tags, "version_id", model_versions)
        for c in comparisons
    ]


def model_version_order(order_bys: Sequence[OrderBy]) -> list[ColumnElement[Any]]:
    """ORDER BY terms: the request (or MLflow's default), then the tie-breakers.

    The sort always ends with name and version number, a unique key, so pages never overlap
    without the row id. Leaving it out lets an index serve the whole order: the default one
    (`last_updated_time DESC, version DESC` within a model) is a backward scan of the index on
    (model_id, last_updated_time, version), where an `id ASC` after it would make SQLite sort
    every row of the model in a temporary B-tree on each page.
    """
    sort = model_version_sort(order_bys)
    if not {"name", "version_number"} <= {order.key for order in sort}:
        raise ValueError("a model-version sort must end with name and version number")
    return _order(sort, _VERSION_ORDER, None)


def _condition(
    comparison: Comparison,
    attributes: Mapping[str, ColumnElement[Any]],
    tags: Table,
    owner_column: str,
    owner: Table,
) -> ColumnElement[bool]:
    if comparison.kind in ("tag", "tag_absent"):
        # "Has this tag, and its value matches". So `tags.k != 'v'` does not match rows without
        # the tag, as in MLflow, whose SQL store joins on the tag row.
        match = sa.exists().where(
            tags.c[owner_column] == owner.c.id,
            tags.c.key == comparison.key,
            _compare(tags.c.value, comparison.op, comparison.value),
        )
        return match if comparison.kind == "tag" else ~match
    column = attributes.get(comparison.key)
    if column is None:
        raise ValueError(f"no column for search attribute {comparison.key!r}")
    return _compare(column, comparison.op, comparison.value)


def _compare(
    column: ColumnElement[Any], op: str, value: str | int | tuple[str, ...]
) -> ColumnElement[bool]:
    if isinstance(value, tuple):
        # Only lists reach IN; a bare string there would be split into characters.
        if op == "IN":
            return column.in_(value)
        if op == "NOT IN":
            return column.not_in(value)
        raise ValueError(f"search operator {op!r} does not take a list")
    # Version numbers are INTEGER columns, and PostgreSQL casts a bound value to the column's
    # type; binding as BIGINT compares with any 64-bit number instead of failing out of range.
    operand = sa.literal(value, sa.BigInteger()) if isinstance(value, int) else value
    match op:
        case "=":
            return column == operand
        case "!=":
            return column != operand
        case "<":
            return column < operand
        case "<=":
            return column <= operand
        case ">":
            return column > operand
        case ">=":
            return column >= operand
        case "LIKE":
            # Case-sensitive on both dialects; the SQLite engine sets case_sensitive_like=ON.
            return column.like(value, escape=_LIKE_ESCAPE)
        case "ILIKE":
            return column.ilike(value, escape=_LIKE_ESCAPE)
    raise ValueError(f"unknown search operator {op!r}")


def _order(
    order_bys: Sequence[OrderBy], columns: Mapping[str, ColumnElement[Any]], table: Table | None
) -> list[ColumnElement[Any]]:
    """ORDER BY terms for `order_bys`, then `table`'s id (when given) as the last tie-breaker."""
    terms: list[ColumnElement[Any]] = []
    for order in order_bys:
        column = columns.get(order.key)
        if column is None:
            raise ValueError(f"no column for search order key {order.key!r}")
        terms.append(column.asc() if order.ascending else column.desc())
    if table is not None:
        terms.append(table.c.id.asc())
    return terms
