"""model version files: each version's manifest, and where its own copy is served from

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("storage_location", sa.Text(), nullable=True))
    op.create_table(
        "model_version_files",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_model_version_files_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "path", name=op.f("pk_model_version_files")),
    )
    with op.batch_alter_table("model_version_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_version_files_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("model_version_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_version_files_sha256"))
    op.drop_table("model_version_files")
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_column("storage_location")
