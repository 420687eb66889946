"""an index that orders runs by a metric

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 21:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # search_runs ordered by a metric walks this index from the best value and stops at the
    # page's end, where (key, value) made it sort every run of the experiments.
    with op.batch_alter_table("latest_metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_latest_metrics_key_value")
        batch_op.create_index(
            "ix_latest_metrics_key_is_nan_value",
            ["key", "is_nan", "value", "run_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("latest_metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_latest_metrics_key_is_nan_value")
        batch_op.create_index("ix_latest_metrics_key_value", ["key", "value"], unique=False)
