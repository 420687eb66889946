"""SQLAlchemy Core tables for the registry aggregate.

Registered models have a surrogate integer key so that renaming a model touches one row, and a
`next_version` counter row that allocates version numbers inside the creating transaction.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

# Constraint names are fixed so that migrations are identical on every dialect.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

registered_models = Table(
    "registered_models",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(256), nullable=False, unique=True),
    Column("description", Text, nullable=True),
    Column("user_id", String(256), nullable=True),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_updated_time", BigInteger, nullable=False),
    Column("next_version", Integer, nullable=False, server_default="1"),
)

registered_model_tags = Table(
    "registered_model_tags",
    metadata,
    Column(
        "model_id",
        Integer,
        ForeignKey("registered_models.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "model_id",
        Integer,
        ForeignKey("registered_models.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("version", Integer, nullable=False),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_updated_time", BigInteger, nullable=False),
    Column("user_id", String(256), nullable=True),
    Column("current_stage", String(20), nullable=False),
    Column("description", Text, nullable=True),
    Column("source", Text, nullable=True),
    Column("run_id", String(256), nullable=True),
    Column("run_link", Text, nullable=True),
    Column("status", String(32), nullable=False),
    Column("status_message", Text, nullable=True),
    Column("logged_model_id", String(256), nullable=True),
    # Where the version's own copy of its files is served from (None: an external reference).
    Column("storage_location", Text, nullable=True),
    # While PENDING_REGISTRATION: when the copy's lease ends (services/registration_leases.py).
    Column("registration_expires", BigInteger, nullable=True),
    UniqueConstraint("model_id", "version"),
    Index(
        "ix_model_versions_model_id_current_stage_version", "model_id", "current_stage", "version"
    ),
    Index("ix_model_versions_run_id", "run_id"),
    Index(
        "ix_model_versions_model_id_last_updated_time_version",
        "model_id",
        "last_updated_time",
        "version",
    ),
    Index(
        "ix_model_versions_registration_expires",
        "registration_expires",
        sqlite_where=text("registration_expires IS NOT NULL"),
        postgresql_where=text("registration_expires IS NOT NULL"),
    ),
)

model_version_tags = Table(
    "model_version_tags",
    metadata,
    Column(
        "version_id",
        Integer,
        ForeignKey("model_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

registered_model_aliases = Table(
    "registered_model_aliases",
    metadata,
    Column(
        "model_id",
        Integer,
        ForeignKey("registered_models.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("alias", String(255), primary_key=True),
    Column(
        "version_id",
        Integer,
        ForeignKey("model_versions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

# A version's manifest: its files, fixed when it becomes READY. The bytes live in the artifact
# store under their sha256 (content-addressed), so identical files are kept once.
model_version_files = Table(
    "model_version_files",
    metadata,
    Column(
        "version_id",
        Integer,
        ForeignKey("model_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("path", String(1024), primary_key=True),
    Column("sha256", String(64), nullable=False, index=True),
    Column("size", BigInteger, nullable=False),
)

# The tracking tables share `metadata`; importing them here means whoever loads the registry's
# tables (Alembic's env.py, schema comparisons) sees the whole schema.
from modelyard.store import auth_tables as _auth_tables  # noqa: E402, F401
from modelyard.store import deployment_tables as _deployment_tables  # noqa: E402, F401
from modelyard.store import events_tables as _events_tables  # noqa: E402, F401
from modelyard.store import governance_tables as _governance_tables  # noqa: E402, F401
from modelyard.store import tracking_tables as _tracking_tables  # noqa: E402, F401
