"""What a run logs: metrics, params, tags, dataset and model inputs, model outputs. Each call is
one transaction on an active run; a refused batch writes nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from modelyard.domain import names, tracking_rules
from modelyard.domain.events import RUN, ActorLike, Target
from modelyard.domain.tracking import (
    MODEL_HISTORY_TAG,
    RUN_NAME_TAG,
    DatasetInput,
    Metric,
    ModelOutput,
)
from modelyard.errors import InvalidParameter, NotFound
from modelyard.services import audit
from modelyard.services.common import now_ms
from modelyard.services.runs import active_run_row
from modelyard.store import metric_writes, run_io, runs
from modelyard.store.uow import UnitOfWork

# (key, value, timestamp, step, model_id, dataset_name, dataset_digest) as the wire sends it
MetricFields = tuple[Any, Any, Any, Any, str | None, str | None, str | None]
# (name, digest, source_type, source, schema, profile, input tags)
DatasetFields = tuple[
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    list[tuple[str | None, str | None]],
]


def _metrics(items: Sequence[MetricFields], now: int) -> list[Metric]:
    out = []
    for key, value, timestamp, step, model_id, dataset_name, dataset_digest in items:
        metric = tracking_rules.metric(key, value, timestamp, step, now)
        if model_id:
            model_id = tracking_rules.model_id(model_id)
        if not (model_id or dataset_name or dataset_digest):
            out.append(metric)  # most metrics: no copy (a batch holds up to 1,000)
            continue
        names.check_text(dataset_name, "dataset_name", tracking_rules.MAX_DATASET_NAME)
        names.check_text(dataset_digest, "dataset_digest", tracking_rules.MAX_DATASET_DIGEST)
        out.append(
            replace(
                metric,
                model_id=model_id or None,
                dataset_name=dataset_name or None,
                dataset_digest=dataset_digest or None,
            )
        )
    return out


def _params(pairs: Sequence[tuple[str | None, str | None]]) -> dict[str, str]:
    checked: dict[str, str] = {}
    for key, value in pairs:
        key, value = tracking_rules.param(key, value)
        if key in checked and checked[key] != value:
            raise InvalidParameter(
                f"Duplicate parameter keys have been submitted: ['{key}']. Please ensure the "
                "request contains only one param value per param key."
            )
        checked[key] = value
    return checked


def _write_params(conn: sa.Connection, run_id: str, values: dict[str, str]) -> None:
    """Params are write-once: logging the same value again is fine, a new value is refused."""
    existing = runs.existing_params(conn, run_id, list(values))
    for key, value in values.items():
        if key in existing and existing[key] != value:
            raise InvalidParameter(
                f"Changing param values is not allowed. Param with key='{key}' was already "
                f"logged with value='{existing[key]}' for run ID='{run_id}'. Attempted logging "
                f"new value '{value}'."
            )
    runs.insert_params(conn, run_id, {k: v for k, v in values.items() if k not in existing})


def _write_tags(conn: sa.Connection, run_id: str, tags: dict[str, str]) -> None:
    runs.set_tags(conn, run_id, tags)
    if RUN_NAME_TAG in tags:
        # The run's name and its mlflow.runName tag are one value.
        runs.update_run(conn, run_id, name=tracking_rules.run_name(tags[RUN_NAME_TAG]))


def log_batch(
    uow: UnitOfWork,
    *,
    run_id: str | None,
    metrics: Sequence[MetricFields] = (),
    params: Sequence[tuple[str | None, str | None]] = (),
    tags: Sequence[tuple[str | None, str | None]] = (),
    actor: ActorLike = None,
    action: str = "run.log_batch",
) -> None:
    """One audit event per call, counting what was logged (not one per metric)."""
    run_id = tracking_rules.run_id(run_id)
    tracking_rules.batch_sizes(len(metrics), len(params), len(tags))
    checked_metrics = _metrics(metrics, now_ms())
    checked_params = _params(params)
    checked_tags = tracking_rules.tags(list(tags), tracking_rules.MAX_TAG_VALUE_LENGTH)
    with uow.write() as conn:
        active_run_row(conn, run_id)
        _write_params(conn, run_id, checked_params)
        metric_writes.log_metrics(conn, run_id, checked_metrics)
        if checked_tags:
            _write_tags(conn, run_id, checked_tags)
        audit.record(
            conn,
            actor,
            action,
            Target(RUN, run_id),
            after={
                "metrics": len(checked_metrics),
                "params": sorted(checked_params)[:20],
                "tags": sorted(checked_tags)[:20],
            },
        )


def log_metric(
    uow: UnitOfWork, *, run_id: str | None, metric: MetricFields, actor: ActorLike = None
) -> None:
    log_batch(uow, run_id=run_id, metrics=[metric], actor=actor, action="run.log_metric")


def log_param(
    uow: UnitOfWork,
    *,
    run_id: str | None,
    key: str | None,
    value: str | None,
    actor: ActorLike = None,
) -> None:
    log_batch(uow, run_id=run_id, params=[(key, value)], actor=actor, action="run.log_param")


def set_tag(
    uow: UnitOfWork,
    *,
    run_id: str | None,
    key: str | None,
    value: str | None,
    actor: ActorLike = None,
) -> None:
    log_batch(uow, run_id=run_id, tags=[(key, value)], actor=actor, action="run.set_tag")


def delete_tag(
    uow: UnitOfWork, *, run_id: str | None, key: str | None, actor: ActorLike = None
) -> None:
    run_id = tracking_rules.run_id(run_id)
    key = tracking_rules.key(key)
    with uow.write() as conn:
        active_run_row(conn, run_id)
        if not runs.delete_tag(conn, run_id, key):
            raise NotFound(f"No tag with name: {key} in run with id {run_id}")
        audit.record(conn, actor, "run.delete_tag", Target(RUN, run_id), before={"tag_key": key})


def log_inputs(
    uow: UnitOfWork,
    *,
    run_id: str | None,
    datasets: Sequence[DatasetFields] = (),
    model_ids: Sequence[str | None] = (),
    actor: ActorLike = None,
) -> None:
    """Link datasets (created in the run's experiment on first use) and logged models."""
    run_id = tracking_rules.run_id(run_id)
    if len(datasets) > tracking_rules.MAX_DATASETS_PER_BATCH:
        raise InvalidParameter(
            f"At most {tracking_rules.MAX_DATASETS_PER_BATCH} datasets may be logged at once."
        )
    checked: list[DatasetInput] = [tracking_rules.dataset_input(*d) for d in datasets]
    models = [tracking_rules.model_id(m, "models.model_id") for m in model_ids]
    with uow.write() as conn:
        run = active_run_row(conn, run_id)
        run_io.log_dataset_inputs(conn, run_id, run.experiment_id, checked)
        run_io.log_model_inputs(conn, run_id, models)
        audit.record(
            conn,
            actor,
            "run.log_inputs",
            Target(RUN, run_id),
            after={"datasets": [d.dataset.name for d in checked][:20], "models": models[:20]},
        )


def log_model(
    uow: UnitOfWork, *, run_id: str | None, model_json: str | None, actor: ActorLike = None
) -> None:
    """MLflow 2's record of a model logged by a run: appended to the history tag."""
    history = _model_history(names.require(model_json, "model_json"))
    run_id = tracking_rules.run_id(run_id)
    with uow.write() as conn:
        active_run_row(conn, run_id)
        old = runs.tags_of(conn, run_id).get(MODEL_HISTORY_TAG)
        entries = json.loads(old) if old else []
        entries.append(history)
        value = json.dumps(entries)
        names.check_length(value, MODEL_HISTORY_TAG, tracking_rules.MAX_MODEL_HISTORY_LENGTH)
        runs.set_tags(conn, run_id, {MODEL_HISTORY_TAG: value})
        audit.record(
            conn,
            actor,
            "run.log_model",
            Target(RUN, run_id),
            after={"artifact_path": history.get("artifact_path")},
        )


def _model_history(model_json: str) -> dict[str, Any]:
    try:
        entry = json.loads(model_json)
    except ValueError:
        raise InvalidParameter("'model_json' is not valid JSON.") from None
    if not isinstance(entry, dict):
        raise InvalidParameter("'model_json' must be a JSON object.")
    return entry


def log_outputs(
    uow: UnitOfWork,
    *,
    run_id: str | None,
    outputs: Sequence[tuple[str | None, Any]],
    actor: ActorLike = None,
) -> None:
    run_id = tracking_rules.run_id(run_id)
    checked = [
        ModelOutput(
            tracking_rules.model_id(model_id, "models.model_id"),
            tracking_rules.int64(step, "models.step", 0) or 0,
        )
        for model_id, step in outputs
    ]
    with uow.write() as conn:
        active_run_row(conn, run_id)
        run_io.log_outputs(conn, run_id, checked)
        audit.record(
            conn,
            actor,
            "run.log_outputs",
            Target(RUN, run_id),
            after={"models": [o.model_id for o in checked][:20]},
        )
