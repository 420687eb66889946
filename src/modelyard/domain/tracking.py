"""The tracking aggregate as the rest of modelyard sees it: experiments, runs and what they log,
and MLflow 3's logged models. Stores return these, never rows."""

from __future__ import annotations

from dataclasses import dataclass, field

ACTIVE = "active"
DELETED = "deleted"

DEFAULT_EXPERIMENT_ID = "0"
DEFAULT_EXPERIMENT_NAME = "Default"

RUN_STATUSES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")
LOGGED_MODEL_STATUSES = ("PENDING", "READY", "FAILED")

# The run's name also travels as this tag; MLflow keeps the two equal.
RUN_NAME_TAG = "mlflow.runName"
# MLflow 2's record of the models a run logged: a JSON list of MLmodel summaries.
MODEL_HISTORY_TAG = "mlflow.log-model.history"
# The input tag that says what a run used a dataset for ("training", "eval"...).
DATASET_CONTEXT_TAG = "mlflow.data.context"

# Artifacts go through the server's mlflow-artifacts proxy, as with `mlflow server`'s default
# (--serve-artifacts): clients upload to these URIs and the server maps them to its store.
ARTIFACT_SCHEME = "mlflow-artifacts:"


def experiment_artifact_location(experiment_id: str) -> str:
    return f"{ARTIFACT_SCHEME}/{experiment_id}"


def run_artifact_uri(experiment_location: str, run_id: str) -> str:
    return f"{experiment_location.rstrip('/')}/{run_id}/artifacts"


def logged_model_artifact_location(experiment_location: str, model_id: str) -> str:
    return f"{experiment_location.rstrip('/')}/models/{model_id}/artifacts"


@dataclass(slots=True)
class Experiment:
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: str
    creation_time: int
    last_update_time: int
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    value: float  # may be NaN or +-inf, as MLflow allows
    timestamp: int
    step: int
    run_id: str | None = None
    model_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    digest: str
    source_type: str
    source: str
    schema: str | None = None
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    """A dataset some run of an experiment used, in one context ("training", "eval"...)."""

    experiment_id: str
    name: str
    digest: str
    context: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetInput:
    dataset: Dataset
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModelOutput:
    model_id: str
    step: int


@dataclass(slots=True)
class RunInfo:
    run_id: str
    experiment_id: str
    run_name: str
    user_id: str | None
    status: str
    start_time: int | None
    end_time: int | None
    artifact_uri: str
    lifecycle_stage: str


@dataclass(slots=True)
class Run:
    info: RunInfo
    metrics: list[Metric] = field(default_factory=list)  # the latest value of each key
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    dataset_inputs: list[DatasetInput] = field(default_factory=list)
    model_inputs: list[str] = field(default_factory=list)
    model_outputs: list[ModelOutput] = field(default_factory=list)


@dataclass(slots=True)
class LoggedModel:
    model_id: str
    experiment_id: str
    name: str
    artifact_location: str
    creation_timestamp: int
    last_updated_timestamp: int
    status: str
    lifecycle_stage: str
    model_type: str | None = None
    source_run_id: str | None = None
    status_message: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    metrics: list[Metric] = field(default_factory=list)
