"""Opening the database: engine, unit of work, schema migrations."""

from __future__ import annotations

from modelyard.config import Settings
from modelyard.store import migrate
from modelyard.store.engine import create_engine
from modelyard.store.uow import UnitOfWork

__all__ = ["UnitOfWork", "database_revision", "open_unit_of_work", "upgrade_database"]


def open_unit_of_work(settings: Settings) -> UnitOfWork:
    return UnitOfWork(
        create_engine(settings, begins_itself=True),
        writer_timeout_s=settings.sqlite_busy_timeout_ms / 1000,
        begins_itself=True,
    )


def upgrade_database(settings: Settings) -> str:
    """Bring the schema to the newest revision; returns that revision."""
    engine = create_engine(settings)
    try:
        return migrate.upgrade(engine)
    finally:
        engine.dispose()


def database_revision(settings: Settings) -> str | None:
    engine = create_engine(settings)
    try:
        return migrate.current_revision(engine)
    finally:
        engine.dispose()
