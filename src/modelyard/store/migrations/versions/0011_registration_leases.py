"""a lease on each pending registration, so that an interrupted one can be failed

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registration_expires", sa.BigInteger(), nullable=True))
        batch_op.create_index(
            "ix_model_versions_registration_expires",
            ["registration_expires"],
            sqlite_where=sa.text("registration_expires IS NOT NULL"),
            postgresql_where=sa.text("registration_expires IS NOT NULL"),
        )
    # Versions left pending by an earlier server get a lease that has already ended: the first
    # sweep fails them.
    op.execute(
        "UPDATE model_versions SET registration_expires = 0 WHERE status = 'PENDING_REGISTRATION'"
    )


def downgrade() -> None:
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_model_versions_registration_expires")
        batch_op.drop_column("registration_expires")
