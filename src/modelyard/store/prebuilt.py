"""Statements compiled once per dialect and run through the driver, for the hot writes where
SQLAlchemy's per-execution work (~25 µs a statement, ~5 µs a row of an executemany) is most of
the cost: a version's create, the audit chain's append, a log-batch's metrics.

A statement is known by a name of the caller's; its parameters are passed by bind-parameter
name, whatever the driver's parameter style (values bound in the statement itself are kept).
No type processing happens: pass values the driver takes as they are (str, int, float, bool,
None). `execute` runs on a cursor of the driver: SQLAlchemy's execution path costs more than
SQLite's own work for a one-row statement, and a create runs five of them while it holds the
write lock. `executemany` goes through `exec_driver_sql`. Driver errors become SQLAlchemy's
either way, which the unit of work translates.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # parameter names in position order; None: named style
    defaults: dict[str, Any]

    def many(self, names: tuple[str, ...], rows: Sequence[tuple[Any, ...]]) -> Sequence[Any]:
        """Rows of values in `names` order as the driver takes them."""
        if self.order == names and not self.defaults:
            return rows  # the common case: the statement's own order, nothing to rearrange
        return [self.args(dict(zip(names, row, strict=True))) for row in rows]

    def args(self, params: dict[str, Any]) -> Any:
        merged = {**self.defaults, **params} if self.defaults else params
        return merged if self.order is None else tuple(merged[p] for p in self.order)


_compiled: dict[tuple[str, str], _Compiled] = {}


def _get(conn: sa.Connection, name: str, stmt: sa.ClauseElement) -> _Compiled:
    key = (conn.dialect.name, name)
    found = _compiled.get(key)
    if found is None:
        compiled = stmt.compile(dialect=conn.dialect)
        assert isinstance(compiled, SQLCompiler)
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        defaults = {k: v for k, v in compiled.params.items() if v is not None}
        found = _compiled[key] = _Compiled(str(compiled), order, defaults)
    return found


def execute(
    conn: sa.Connection, name: str, stmt: sa.ClauseElement, params: dict[str, Any] | None = None
) -> Any:
    """Runs `stmt` once on a cursor of the driver; returns its first row (a named tuple of its
    columns), or None. Driver errors become SQLAlchemy's, as on SQLAlchemy's own path."""
    compiled = _get(conn, name, stmt)
    args = compiled.args(params or {})
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(compiled.sql, args)
        row = cursor.fetchone() if cursor.description else None
        if row is not None:
            return _row_type(conn.dialect.name, name, cursor.description)._make(row)
        return None
    except dbapi.Error as e:
        raise sa.exc.DBAPIError.instance(
            compiled.sql, args, e, dbapi.Error, dialect=conn.dialect
        ) from e
    finally:
        cursor.close()


_row_types: dict[tuple[str, str], type[Any]] = {}


def _row_type(dialect: str, name: str, description: Sequence[Any]) -> type[Any]:
    found = _row_types.get((dialect, name))
    if found is None:
        columns = [str(column[0]) for column in description]
        found = _row_types[dialect, name] = namedtuple(f"Row{len(_row_types)}", columns)
    return found


def executemany(
    conn: sa.Connection,
    name: str,
    stmt: sa.ClauseElement,
    names: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """Runs `stmt` for every row through the driver's executemany. Rows are tuples of the
    parameters `names`: passed as they are when the statement takes them in that order
    (positional drivers such as SQLite's), rearranged otherwise."""
    compiled = _get(conn, name, stmt)
    conn.exec_driver_sql(compiled.sql, compiled.many(names, rows))
