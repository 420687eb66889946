"""SQLAlchemy Core tables for audit events and alias/stage history. They share `metadata` with
the registry (store/tables.py imports this module at its end).

`audit_chain_head` has exactly one row (id 1): the number and hash of the newest audit event.
Appending an event updates it in the same transaction, which serialises appenders on
PostgreSQL (the row lock is held until commit); SQLite's `BEGIN IMMEDIATE` already does.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from modelyard.store.tables import metadata

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("time", BigInteger, nullable=False),
    Column("actor", String(256), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target_type", String(32), nullable=False),
    Column("target_name", String(256), nullable=False),
    Column("target_version", Integer, nullable=True),
    Column("before", Text, nullable=True),
    Column("after", Text, nullable=True),
    Column("request_id", String(64), nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_events_target_name_seq", "target_name", "seq"),
    Index("ix_audit_events_actor_seq", "actor", "seq"),
    Index("ix_audit_events_time", "time"),
)

audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

# Every change of an alias or of a version's stage, per registered model (by id, so a rename
# keeps the history and a deleted model takes its history with it). For an alias: `name` is
# the alias, `version` the version it points at afterwards (None: deleted), `from_version` the
# one before. For a stage: `version` changed from stage `from_stage` to stage `name`.
alias_stage_history = Table(
    "alias_stage_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "model_id",
        Integer,
        ForeignKey("registered_models.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("kind", String(8), nullable=False),
    Column("name", String(255), nullable=False),
    Column("version", Integer, nullable=True),
    Column("from_version", Integer, nullable=True),
    Column("from_stage", String(20), nullable=True),
    Column("time", BigInteger, nullable=False),
    Column("actor", String(256), nullable=False),
    Column("action", String(64), nullable=False),
    Index("ix_alias_stage_history_model_id_kind_name", "model_id", "kind", "name"),
)
