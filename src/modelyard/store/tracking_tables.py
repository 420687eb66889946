"""SQLAlchemy Core tables for the tracking aggregate: experiments, runs, what runs log, and
MLflow 3's logged models. They share `metadata` with the registry (store/tables.py imports this
module at its end, so migrations and schema comparisons see every table).

Metrics keep their full history in `metrics` and the latest value per (run, key) in
`latest_metrics`, so filtering and ordering runs by a metric is one join.

SQLite cannot store NaN (it becomes NULL), so, as in MLflow, a NaN is stored as 0 with `is_nan`
set.

The history is indexed by (run, segment, key, step): a segment is a run's next
`METRIC_SEGMENT_ROWS` history rows (`runs.metric_rows` counts them). A batch logs one step of
many keys; in an index by (run, key, step) its rows would land one on each of as many index
pages, and the commit would write them all (most of a 1,000-metric log-batch's time). Within the
run's newest segment they land on a few dozen pages; reading a key's history seeks once per
segment.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from modelyard.store.tables import metadata

# Large enough that reading a key's history seeks rarely (once per 4,096 rows of the run), small
# enough that the newest segment's part of the index is a few dozen pages.
METRIC_SEGMENT_ROWS = 4096


def _run_fk() -> Column[str]:
    return Column(
        "run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )


experiments = Table(
    "experiments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(500), nullable=False, unique=True),
    Column("artifact_location", Text, nullable=False),
    Column("lifecycle_stage", String(20), nullable=False),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_update_time", BigInteger, nullable=False),
)

experiment_tags = Table(
    "experiment_tags",
    metadata,
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(250), nullable=False),
    Column("user_id", String(256), nullable=True),
    Column("status", String(20), nullable=False),
    Column("start_time", BigInteger, nullable=True),
    Column("end_time", BigInteger, nullable=True),
    Column("lifecycle_stage", String(20), nullable=False),
    Column("artifact_uri", Text, nullable=False),
    Column("metric_rows", BigInteger, nullable=False, server_default="0"),
    Index("ix_runs_experiment_id_start_time", "experiment_id", "start_time"),
)

params = Table(
    "params",
    metadata,
    _run_fk(),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

run_tags = Table(
    "run_tags",
    metadata,
    _run_fk(),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

metrics = Table(
    "metrics",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("value", Double, nullable=False),
    Column("is_nan", Boolean, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("model_id", String(64), nullable=True),
    Column("dataset_name", String(500), nullable=True),
    Column("dataset_digest", String(36), nullable=True),
    Column("segment", BigInteger, nullable=False, server_default="0"),
    Index("ix_metrics_run_id_segment_key_step", "run_id", "segment", "key", "step"),
    Index(
        "ix_metrics_model_id",
        "model_id",
        sqlite_where=text("model_id IS NOT NULL"),
        postgresql_where=text("model_id IS NOT NULL"),
    ),
)

latest_metrics = Table(
    "latest_metrics",
    metadata,
    _run_fk(),
    Column("key", String(250), primary_key=True),
    Column("value", Double, nullable=False),
    Column("is_nan", Boolean, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("step", BigInteger, nullable=False),
    # Drives searches ordered by a metric: walked in either direction, LIMIT stops it early.
    Index("ix_latest_metrics_key_is_nan_value", "key", "is_nan", "value", "run_id"),
)

datasets = Table(
    "datasets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(500), nullable=False),
    Column("digest", String(36), nullable=False),
    Column("source_type", String(500), nullable=False),
    Column("source", Text, nullable=False),
    Column("schema", Text, nullable=True),
    Column("profile", Text, nullable=True),
    UniqueConstraint("experiment_id", "name", "digest"),
)

run_inputs = Table(
    "run_inputs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    UniqueConstraint("run_id", "dataset_id"),
)

run_input_tags = Table(
    "run_input_tags",
    metadata,
    Column("input_id", Integer, ForeignKey("run_inputs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", String(500), nullable=False),
)

run_model_inputs = Table(
    "run_model_inputs",
    metadata,
    _run_fk(),
    Column("model_id", String(64), primary_key=True),
)

run_outputs = Table(
    "run_outputs",
    metadata,
    _run_fk(),
    Column("model_id", String(64), primary_key=True),
    Column("step", BigInteger, nullable=False),
)

logged_models = Table(
    "logged_models",
    metadata,
    Column("model_id", String(64), primary_key=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(500), nullable=False),
    Column("source_run_id", String(256), nullable=True),
    Column("status", String(20), nullable=False),
    Column("status_message", Text, nullable=True),
    Column("model_type", String(500), nullable=True),
    Column("artifact_location", Text, nullable=False),
    Column("lifecycle_stage", String(20), nullable=False),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_updated_time", BigInteger, nullable=False),
    Index("ix_logged_models_experiment_id_creation_time", "experiment_id", "creation_time"),
)

logged_model_tags = Table(
    "logged_model_tags",
    metadata,
    Column(
        "model_id",
        String(64),
        ForeignKey("logged_models.model_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

logged_model_params = Table(
    "logged_model_params",
    metadata,
    Column(
        "model_id",
        String(64),
        ForeignKey("logged_models.model_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)
