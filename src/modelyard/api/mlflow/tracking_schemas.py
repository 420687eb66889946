"""Request bodies of MLflow's tracking endpoints (MlflowService), as the mlflow client sends them.

As in `schemas.py`, every field is optional: the domain reports missing values with MLflow's
messages. int64 fields take a JSON number or a string of digits (proto's JSON form), and doubles
take a number or "NaN", "Infinity", "-Infinity"; `modelyard.domain.tracking_rules` checks them.
"""

from __future__ import annotations

from pydantic import Field

from modelyard.api.mlflow.schemas import Request, Tag

Int64 = int | str | None
Double = float | int | str | None


def pairs(tags: list[Tag] | None) -> list[tuple[str | None, str | None]]:
    return [(t.key, t.value) for t in tags or []]


# --- experiments -------------------------------------------------------------------------------


class ExperimentId(Request):
    experiment_id: str | int | None = None


class CreateExperiment(Request):
    name: str | None = None
    artifact_location: str | None = None
    tags: list[Tag] | None = None


class GetExperimentByName(Request):
    experiment_name: str | None = None


class SearchExperiments(Request):
    max_results: int | None = None
    page_token: str | None = None
    filter: str | None = None
    order_by: list[str] | None = None
    view_type: str | None = None


class UpdateExperiment(ExperimentId):
    new_name: str | None = None


class SetExperimentTag(ExperimentId):
    key: str | None = None
    value: str | None = None


class DeleteExperimentTag(ExperimentId):
    key: str | None = None


# --- runs --------------------------------------------------------------------------------------


class RunId(Request):
    run_id: str | None = None
    run_uuid: str | None = None  # MLflow's old name; the client sends both

    @property
    def id(self) -> str | None:
        return self.run_id or self.run_uuid


class CreateRun(Request):
    experiment_id: str | int | None = None
    user_id: str | None = None
    run_name: str | None = None
    start_time: Int64 = None
    tags: list[Tag] | None = None


class UpdateRun(RunId):
    status: str | None = None
    end_time: Int64 = None
    run_name: str | None = None


class MetricIn(Request):
    key: str | None = None
    value: Double = None
    timestamp: Int64 = None
    step: Int64 = None
    model_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None

    def fields(self) -> tuple[object, object, object, object, str | None, str | None, str | None]:
        return (
            self.key,
            self.value,
            self.timestamp,
            self.step,
            self.model_id,
            self.dataset_name,
            self.dataset_digest,
        )


class LogMetric(RunId, MetricIn):
    pass


class KeyValue(RunId):
    key: str | None = None
    value: str | None = None


class DeleteTag(RunId):
    key: str | None = None


class SearchRuns(Request):
    experiment_ids: list[str] | None = None
    filter: str | None = None
    run_view_type: str | None = None
    max_results: int | None = None
    order_by: list[str] | None = None
    page_token: str | None = None


class GetMetricHistory(RunId):
    metric_key: str | None = None
    page_token: str | None = None
    max_results: int | None = None


class GetMetricHistoryBulkInterval(Request):
    run_ids: list[str] | None = None
    metric_key: str | None = None
    start_step: Int64 = None
    end_step: Int64 = None
    max_results: int | None = None


class LogBatch(RunId):
    metrics: list[MetricIn] | None = None
    params: list[Tag] | None = None
    tags: list[Tag] | None = None


class LogModel(RunId):
    model_json: str | None = None


class DatasetIn(Request):
    name: str | None = None
    digest: str | None = None
    source_type: str | None = None
    source: str | None = None
    # `schema` would shadow BaseModel.schema; the wire name is an alias.
    schema_: str | None = Field(default=None, alias="schema")
    profile: str | None = None


class DatasetInputIn(Request):
    tags: list[Tag] | None = None
    dataset: DatasetIn | None = None


class ModelRef(Request):
    model_id: str | None = None
    step: Int64 = None


class LogInputs(RunId):
    datasets: list[DatasetInputIn] | None = None
    models: list[ModelRef] | None = None


class LogOutputs(RunId):
    models: list[ModelRef] | None = None


# --- logged models -----------------------------------------------------------------------------


class CreateLoggedModel(Request):
    experiment_id: str | int | None = None
    name: str | None = None
    model_type: str | None = None
    source_run_id: str | None = None
    params: list[Tag] | None = None
    tags: list[Tag] | None = None


class FinalizeLoggedModel(Request):
    model_id: str | None = None
    status: str | None = None


class LoggedModelTags(Request):
    tags: list[Tag] | None = None


class LoggedModelParams(Request):
    params: list[Tag] | None = None


class GetLoggedModel(Request):
    allow_deleted: bool | None = None


class ListArtifacts(RunId):
    path: str | None = None
    page_token: str | None = None  # accepted and ignored, as by MLflow: one page holds all


class ListLoggedModelArtifacts(Request):
    artifact_directory_path: str | None = None
    page_token: str | None = None  # as ListArtifacts


class SearchDatasets(Request):
    experiment_ids: list[str] | None = None


class OrderByField(Request):
    field_name: str | None = None
    ascending: bool | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None


class DatasetFilter(Request):
    dataset_name: str | None = None
    dataset_digest: str | None = None


class SearchLoggedModels(Request):
    experiment_ids: list[str] | None = None
    filter: str | None = None
    datasets: list[DatasetFilter] | None = None
    max_results: int | None = None
    order_by: list[OrderByField] | None = None
    page_token: str | None = None


def dataset_fields(
    items: list[DatasetInputIn] | None,
) -> list[
    tuple[
        str | None,
        str | None,
        str | None,
        str | None,
        str | None,
        str | None,
        list[tuple[str | None, str | None]],
    ]
]:
    """(name, digest, source_type, source, schema, profile, tags); a missing dataset is blank."""
    out = []
    for item in items or []:
        d = item.dataset or DatasetIn()
        out.append(
            (d.name, d.digest, d.source_type, d.source, d.schema_, d.profile, pairs(item.tags))
        )
    return out


def order_fields(items: list[OrderByField] | None) -> list[tuple[str, bool]]:
    """(field name, ascending); a missing field name is refused by the grammar as an empty key."""
    return [(o.field_name or "", o.ascending is not False) for o in items or []]
