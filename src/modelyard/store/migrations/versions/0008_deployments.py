"""deployment records

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(length=255), nullable=False),
        sa.Column("endpoint", sa.String(length=2048), nullable=True),
        sa.Column("deployed_at", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["registered_models.id"],
            name=op.f("fk_deployments_model_id_registered_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_deployments_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
    )
    op.create_index(
        "ix_deployments_version_id_deployed_at",
        "deployments",
        ["version_id", "deployed_at"],
        unique=False,
    )
    op.create_index(
        "ix_deployments_model_id_deployed_at",
        "deployments",
        ["model_id", "deployed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_deployments_model_id_deployed_at", table_name="deployments")
    op.drop_index("ix_deployments_version_id_deployed_at", table_name="deployments")
    op.drop_table("deployments")
