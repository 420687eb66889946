"""Unit of work: one database transaction, and the one place driver errors become ours."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Engine

from modelyard.errors import AlreadyExists, Unavailable
from modelyard.store.engine import WRITE_OPTION

_UNAVAILABLE_MARKERS = (
    "database is locked",
    "could not serialize",
    "deadlock detected",
    "lock timeout",
    "lock wait timeout",
    "canceling statement due to lock timeout",
)


class UnitOfWork:
    """Hands out transactions on one engine.

    SQLite allows one writer at a time. Threads of one process queue on a lock here rather than
    in SQLite's busy handler, which polls with sleeps and would add milliseconds per write;
    other processes still wait through `busy_timeout`.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._local_writer = threading.Lock() if self.dialect == "sqlite" else None

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        if self._local_writer is None:
            with self._transaction(write=True) as conn:
                yield conn
            return
        with self._local_writer, self._transaction(write=True) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self._transaction(write=False) as conn:
            yield conn

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[sa.Connection]:
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**{WRITE_OPTION: write})
                with conn.begin():
                    yield conn
        except exc.IntegrityError as e:
            raise AlreadyExists(f"The change conflicts with an existing record: {e.orig}") from e
        except exc.OperationalError as e:
            if any(marker in str(e.orig).lower() for marker in _UNAVAILABLE_MARKERS):
                raise Unavailable("The database is busy; retry the request.") from e
            raise
        except exc.DBAPIError as e:
            if e.connection_invalidated or any(
                marker in str(e.orig).lower() for marker in _UNAVAILABLE_MARKERS
            ):
                raise Unavailable("The database is unavailable; retry the request.") from e
            raise

    def dispose(self) -> None:
        self.engine.dispose()
