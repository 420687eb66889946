"""metric history in segments: a log-batch writes near one place of the history's index

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows logged before this revision stay in segment 0; a run's counter starts at its rows,
    # so its next batches open new segments.
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("metric_rows", sa.BigInteger(), server_default="0", nullable=False)
        )
    op.execute(
        "UPDATE runs SET metric_rows = "
        "(SELECT count(*) FROM metrics WHERE metrics.run_id = runs.run_id)"
    )
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("segment", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.drop_index("ix_metrics_run_id_key_step")
        batch_op.create_index(
            "ix_metrics_run_id_segment_key_step", ["run_id", "segment", "key", "step"]
        )
        # Most history rows have no model: a partial index skips them (where supported).
        batch_op.drop_index("ix_metrics_model_id")
        batch_op.create_index(
            "ix_metrics_model_id",
            ["model_id"],
            sqlite_where=sa.text("model_id IS NOT NULL"),
            postgresql_where=sa.text("model_id IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_metrics_model_id")
        batch_op.create_index("ix_metrics_model_id", ["model_id"])
        batch_op.drop_index("ix_metrics_run_id_segment_key_step")
        batch_op.create_index("ix_metrics_run_id_key_step", ["run_id", "key", "step"])
        batch_op.drop_column("segment")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("metric_rows")
