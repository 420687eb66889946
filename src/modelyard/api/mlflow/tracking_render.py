"""Tracking domain objects -> MLflow's JSON (proto field names, unset fields left out).

Doubles that JSON cannot carry (NaN, +-inf) are written as proto's JSON strings "NaN",
"Infinity" and "-Infinity", which the mlflow client parses back to floats.
"""

from __future__ import annotations

import math
from typing import Any

from modelyard.domain.tracking import (
    DatasetInput,
    DatasetSummary,
    Experiment,
    LoggedModel,
    Metric,
    Run,
    RunInfo,
)

_LOGGED_MODEL_STATUS = {
    "PENDING": "LOGGED_MODEL_PENDING",
    "READY": "LOGGED_MODEL_READY",
    "FAILED": "LOGGED_MODEL_UPLOAD_FAILED",
}


def _pairs(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in values.items()]


def double(value: float) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def experiment(e: Experiment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "experiment_id": e.experiment_id,
        "name": e.name,
        "artifact_location": e.artifact_location,
        "lifecycle_stage": e.lifecycle_stage,
        "last_update_time": e.last_update_time,
        "creation_time": e.creation_time,
    }
    if e.tags:
        out["tags"] = _pairs(e.tags)
    return out


def dataset_summary(d: DatasetSummary) -> dict[str, Any]:
    out: dict[str, Any] = {"experiment_id": d.experiment_id, "name": d.name, "digest": d.digest}
    if d.context is not None:
        out["context"] = d.context
    return out


def metric(m: Metric, *, with_run_id: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "key": m.key,
        "value": double(m.value),
        "timestamp": m.timestamp,
        "step": m.step,
    }
    for name in ("dataset_name", "dataset_digest", "model_id"):
        if (value := getattr(m, name)) is not None:
            out[name] = value
    if with_run_id and m.run_id is not None:
        out["run_id"] = m.run_id
    return out


def run_info(i: RunInfo) -> dict[str, Any]:
    out: dict[str, Any] = {
        "run_id": i.run_id,
        "run_uuid": i.run_id,
        "run_name": i.run_name,
        "experiment_id": i.experiment_id,
        "status": i.status,
        "artifact_uri": i.artifact_uri,
        "lifecycle_stage": i.lifecycle_stage,
    }
    for name in ("user_id", "start_time", "end_time"):
        if (value := getattr(i, name)) is not None:
            out[name] = value
    return out


def _dataset_input(d: DatasetInput) -> dict[str, Any]:
    dataset: dict[str, Any] = {
        "name": d.dataset.name,
        "digest": d.dataset.digest,
        "source_type": d.dataset.source_type,
        "source": d.dataset.source,
    }
    if d.dataset.schema is not None:
        dataset["schema"] = d.dataset.schema
    if d.dataset.profile is not None:
        dataset["profile"] = d.dataset.profile
    out: dict[str, Any] = {"dataset": dataset}
    if d.tags:
        out["tags"] = _pairs(d.tags)
    return out


def run(r: Run) -> dict[str, Any]:
    return {
        "info": run_info(r.info),
        "data": {
            "metrics": [metric(m) for m in r.metrics],
            "params": _pairs(r.params),
            "tags": _pairs(r.tags),
        },
        "inputs": {
            "dataset_inputs": [_dataset_input(d) for d in r.dataset_inputs],
            "model_inputs": [{"model_id": m} for m in r.model_inputs],
        },
        "outputs": {
            "model_outputs": [{"model_id": o.model_id, "step": o.step} for o in r.model_outputs]
        },
    }


def logged_model(m: LoggedModel) -> dict[str, Any]:
    info: dict[str, Any] = {
        "model_id": m.model_id,
        "experiment_id": m.experiment_id,
        "name": m.name,
        "creation_timestamp_ms": m.creation_timestamp,
        "last_updated_timestamp_ms": m.last_updated_timestamp,
        "artifact_uri": m.artifact_location,
        "status": _LOGGED_MODEL_STATUS[m.status],
        "tags": _pairs(m.tags),
    }
    for name in ("model_type", "source_run_id", "status_message"):
        if (value := getattr(m, name)) is not None:
            info[name] = value
    return {
        "info": info,
        "data": {"params": _pairs(m.params), "metrics": [metric(x) for x in m.metrics]},
    }
