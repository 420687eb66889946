"""The datasets experiments' runs used as inputs (MLflow's SearchDatasets, the web UI's dataset
filter). Datasets themselves are logged with a run's inputs (`services/run_logging.py`)."""

from __future__ import annotations

from collections.abc import Sequence

from modelyard.domain import tracking_rules
from modelyard.domain.tracking import DatasetSummary
from modelyard.errors import InvalidParameter
from modelyard.store import run_io
from modelyard.store.uow import UnitOfWork

# MLflow's limits for SearchDatasets.
MAX_EXPERIMENTS = 20
MAX_SUMMARIES = 1000


def search_datasets(
    uow: UnitOfWork, *, experiment_ids: Sequence[str] | None
) -> list[DatasetSummary]:
    """One summary per (experiment, dataset, context) some run logged, at most MAX_SUMMARIES, as
    MLflow. Unknown or deleted experiments are not refused: like MLflow, they match what they
    hold (nothing, for an unknown one)."""
    given = list(experiment_ids or [])
    if not given:
        raise InvalidParameter("SearchDatasets request must specify at least one experiment_id.")
    if len(given) > MAX_EXPERIMENTS:
        raise InvalidParameter(
            f"SearchDatasets request cannot specify more than {MAX_EXPERIMENTS}"
            f" experiment_ids. Received {len(given)} experiment_ids."
        )
    ids = [tracking_rules.experiment_id(e, "experiment_ids") for e in given]
    with uow.read() as conn:
        return run_io.dataset_summaries(conn, ids, limit=MAX_SUMMARIES)
