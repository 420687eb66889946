"""Engines for SQLite (the embedded default) and PostgreSQL/MySQL (the scale-out setup)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from modelyard.config import Settings

WRITE_OPTION = "modelyard_write"


def create_engine(settings: Settings, *, begins_itself: bool = False) -> Engine:
    """`begins_itself`: the caller (the unit of work) opens each SQLite transaction with
    `begin_sqlite`. Otherwise a "begin" event does it, which makes SQLAlchemy dispatch events
    around every statement on that engine: about a sixth of a small request's time."""
    url = make_url(settings.resolved_database_url())
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, settings.sqlite_busy_timeout_ms, begins_itself=begins_itself)
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    return sa.create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=True,
    )


def _sqlite_engine(url: sa.URL, busy_timeout_ms: int, *, begins_itself: bool) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Take transaction control away from pysqlite so that our BEGIN below is the only one.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        _enable_wal(cur, busy_timeout_ms)
        # WAL + NORMAL is durable against application crashes; only a power loss may drop the
        # last commits. It removes an fsync per transaction.
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        # MLflow's LIKE is case-sensitive (ILIKE is not); SQLite's LIKE is not by default.
        cur.execute("PRAGMA case_sensitive_like=ON")
        cur.close()

    if not begins_itself:

        @event.listens_for(engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            begin_sqlite(conn, write=bool(conn.get_execution_options().get(WRITE_OPTION)))

    return engine


def begin_sqlite(conn: sa.Connection, *, write: bool) -> None:
    """Open the SQLite transaction (pysqlite's own transaction control is off, see above)."""
    if write:
        # Writers take the write lock up front (BEGIN IMMEDIATE) instead of failing at commit
        # with SQLITE_BUSY when two deferred transactions both try to upgrade to writers.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        # A deferred BEGIN takes no lock and cannot fail on a busy database: straight to
        # the driver, without SQLAlchemy's statement machinery (a tenth of a lookup's time).
        conn.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]


def _enable_wal(cur: sqlite3.Cursor, busy_timeout_ms: int) -> None:
    """Switch to WAL, waiting up to the busy timeout for other processes that do the same.

    Turning a new database file into WAL takes an exclusive lock, and SQLite answers "database
    is locked" at once, without its busy handler, while another process is converting the file
    (two servers, or a server and `modelyard db upgrade`, starting on a fresh file).
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() >= deadline:
                raise
        time.sleep(0.01)
