"""Unit of work: one database transaction, and the one place driver errors become ours."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Engine

from modelyard.errors import AlreadyExists, Unavailable
from modelyard.store.engine import WRITE_OPTION, begin_sqlite
from modelyard.store.writer_lock import WriterLock

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

    SQLite allows one writer at a time. Writers queue before `BEGIN IMMEDIATE` rather than in
    SQLite's busy handler, which polls with sleeps of up to 100 ms: the threads of one process
    on a lock here, then the processes that share the database file on a `WriterLock` beside
    it (bounded by `writer_timeout_s`, then 503).
    """

    def __init__(
        self, engine: Engine, *, writer_timeout_s: float = 30.0, begins_itself: bool = False
    ) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        # An embedded database answers in microseconds and never waits on a network, so a caller
        # may run a call on its own thread (an event loop) instead of handing it to a pool.
        self.embedded = self.dialect == "sqlite"
        self._local_writer = threading.Lock() if self.embedded else None
        self._writer_lock = _sqlite_writer_lock(engine, writer_timeout_s)
        # An engine made with `create_engine(..., begins_itself=True)` leaves opening SQLite
        # transactions to us.
        self._begins_sqlite = self.embedded and begins_itself

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        if self._local_writer is None:
            with self._transaction(write=True) as conn:
                yield conn
            return
        with self._local_writer, self._transaction(write=True, shared=self._writer_lock) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self._transaction(write=False) as conn:
            yield conn

    @contextmanager
    def _transaction(
        self, *, write: bool, shared: WriterLock | None = None
    ) -> Iterator[sa.Connection]:
        """`shared`: the processes' write lock, held from before BEGIN until COMMIT has
        returned; the connection is checked out before and returned after, outside it."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**{WRITE_OPTION: write})
                if shared is not None:
                    shared.acquire()
                try:
                    with conn.begin():
                        if self._begins_sqlite:
                            begin_sqlite(conn, write=write)
                        yield conn
                finally:
                    if shared is not None:
                        shared.release()
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
        if self._writer_lock is not None:
            self._writer_lock.close()


def _sqlite_writer_lock(engine: Engine, timeout_s: float) -> WriterLock | None:
    """The lock file beside a SQLite database file; none for other databases or in memory."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # a URI filename: its memory and shared-cache modes too
        return None
    return WriterLock(Path(f"{database}-writer.lock"), timeout_s=timeout_s)
