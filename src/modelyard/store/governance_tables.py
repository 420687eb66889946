"""SQLAlchemy Core tables for governance: promotion policies (versioned, never overwritten) and
approval requests with their decisions and comments. They share `metadata` with the registry
(store/tables.py imports this module at its end).

A policy's `scope` is `default` for the server-wide policy or `model:<id>` for one registered
model; (scope, version) is unique, so two writers of one scope cannot both store version N.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from modelyard.store.tables import metadata

policies = Table(
    "policies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope", String(64), nullable=False),
    Column(
        "model_id",
        Integer,
        ForeignKey("registered_models.id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column("version", Integer, nullable=False),
    Column("document", Text, nullable=False),
    Column("created_time", BigInteger, nullable=False),
    Column("actor", String(256), nullable=True),
    UniqueConstraint("scope", "version"),
)

approval_requests = Table(
    "approval_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "model_id",
        Integer,
        ForeignKey("registered_models.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "version_id",
        Integer,
        ForeignKey("model_versions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("target_kind", String(16), nullable=False),
    Column("target_value", String(255), nullable=False),
    Column("requester", String(256), nullable=False),
    Column("comment", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("created_time", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("decided_time", BigInteger, nullable=True),
    Column("policy_version", Integer, nullable=True),
    Index("ix_approval_requests_model_id_status", "model_id", "status"),
    Index("ix_approval_requests_status_created_time", "status", "created_time"),
)

approval_decisions = Table(
    "approval_decisions",
    metadata,
    Column(
        "request_id",
        Integer,
        ForeignKey("approval_requests.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("approver", String(256), primary_key=True),
    Column("decision", String(16), nullable=False),
    Column("comment", Text, nullable=True),
    Column("time", BigInteger, nullable=False),
)

approval_comments = Table(
    "approval_comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "request_id",
        Integer,
        ForeignKey("approval_requests.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("author", String(256), nullable=False),
    Column("comment", Text, nullable=False),
    Column("time", BigInteger, nullable=False),
)
