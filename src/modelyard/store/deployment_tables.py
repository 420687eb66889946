"""SQLAlchemy Core table for deployment records: where a model version was deployed, when and by
whom. Modelyard does not deploy anything; whoever does records it here (POST .../deployments).
The table shares `metadata` with the registry (store/tables.py imports this module at its end).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from modelyard.store.tables import metadata

deployments = Table(
    "deployments",
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
    Column("environment", String(255), nullable=False),
    Column("endpoint", String(2048), nullable=True),
    Column("deployed_at", BigInteger, nullable=False),
    Column("actor", String(256), nullable=False),
    Column("note", Text, nullable=True),
    # A small JSON object of string tags (canonical: sorted keys).
    Column("tags", Text, nullable=True),
    Index("ix_deployments_version_id_deployed_at", "version_id", "deployed_at"),
    Index("ix_deployments_model_id_deployed_at", "model_id", "deployed_at"),
)
