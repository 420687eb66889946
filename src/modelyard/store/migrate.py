"""Alembic, driven from code: no alembic.ini needed at run time."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from modelyard.store.engine import WRITE_OPTION

MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed 64-bit number: it names the lock that serialises migrations across processes.
_PG_MIGRATION_LOCK = 0x6D6F64656C796172


def _config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, target: str | None = None) -> str:
    """Upgrade to head (or `target`), once, even when several server processes start
    together."""
    head = target or head_revision()
    if current_revision(engine) == head:
        return head
    with engine.connect() as conn:
        # SQLite: BEGIN IMMEDIATE holds the write lock for the whole migration.
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            command.upgrade(_config(conn), head)
    return head
