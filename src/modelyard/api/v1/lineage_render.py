"""Lineage, comparison and deployment records -> JSON for modelyard's own API.

Plain JSON objects (tags, params and metrics as maps, versions as numbers), not MLflow's
key/value lists: this API is modelyard's. Doubles JSON cannot carry (NaN, +-inf) are the
strings "NaN", "Infinity", "-Infinity", as on the MLflow routes.
"""

from __future__ import annotations

from typing import Any

from modelyard.api.mlflow.tracking_render import double
from modelyard.api.v1.governance_render import approval_request
from modelyard.domain.comparison import Comparison, FileChange, MetricDelta, ValueChange
from modelyard.domain.deployments import Deployment
from modelyard.domain.history import AliasChange, StageChange
from modelyard.domain.lineage import Lineage, SourceCode
from modelyard.domain.registry import ModelVersion, VersionFile
from modelyard.domain.tracking import Experiment, LoggedModel, Metric, Run


def _num(value: float | None) -> float | str | None:
    return None if value is None else double(value)


def _metrics(metrics: list[Metric]) -> dict[str, float | str | None]:
    return {m.key: _num(m.value) for m in metrics}


def version(v: ModelVersion) -> dict[str, Any]:
    return {
        "name": v.name,
        "version": v.version,
        "source": v.source,
        "status": v.status,
        "status_message": v.status_message,
        "stage": v.current_stage,
        "aliases": sorted(v.aliases),
        "tags": v.tags,
        "description": v.description,
        "run_id": v.run_id,
        "model_id": v.model_id,
        "storage_location": v.storage_location,
        "user_id": v.user_id,
        "creation_timestamp": v.creation_timestamp,
        "last_updated_timestamp": v.last_updated_timestamp,
    }


def manifest(v: ModelVersion, files: list[VersionFile] | None) -> dict[str, Any]:
    return {
        "name": v.name,
        "version": v.version,
        "storage_location": v.storage_location,
        "files": None
        if files is None
        else [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in files],
    }


def deployment(d: Deployment) -> dict[str, Any]:
    return {
        "id": d.id,
        "model": d.model,
        "version": d.version,
        "environment": d.environment,
        "endpoint": d.endpoint,
        "deployed_at": d.deployed_at,
        "actor": d.actor,
        "note": d.note,
        "tags": d.tags,
    }


def _source_code(s: SourceCode | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {
        "git_commit": s.git_commit,
        "source_name": s.source_name,
        "source_type": s.source_type,
        "git_repo_url": s.git_repo_url,
        "git_branch": s.git_branch,
    }


def _run(r: Run | None, source: SourceCode | None) -> dict[str, Any] | None:
    if r is None:
        return None
    i = r.info
    return {
        "run_id": i.run_id,
        "run_name": i.run_name,
        "experiment_id": i.experiment_id,
        "status": i.status,
        "user_id": i.user_id,
        "start_time": i.start_time,
        "end_time": i.end_time,
        "lifecycle_stage": i.lifecycle_stage,
        "artifact_uri": i.artifact_uri,
        "params": r.params,
        "metrics": _metrics(r.metrics),
        "tags": r.tags,
        "datasets": [
            {
                "name": d.dataset.name,
                "digest": d.dataset.digest,
                "source_type": d.dataset.source_type,
                "source": d.dataset.source,
                "tags": d.tags,
            }
            for d in r.dataset_inputs
        ],
        "model_inputs": r.model_inputs,
        "source_code": _source_code(source),
    }


def _experiment(e: Experiment | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {
        "experiment_id": e.experiment_id,
        "name": e.name,
        "artifact_location": e.artifact_location,
        "lifecycle_stage": e.lifecycle_stage,
        "tags": e.tags,
    }


def _logged_model(m: LoggedModel | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {
        "model_id": m.model_id,
        "name": m.name,
        "experiment_id": m.experiment_id,
        "source_run_id": m.source_run_id,
        "status": m.status,
        "model_type": m.model_type,
        "artifact_location": m.artifact_location,
        "creation_timestamp": m.creation_timestamp,
        "params": m.params,
        "metrics": _metrics(m.metrics),
        "tags": m.tags,
    }


def _change(c: AliasChange | StageChange) -> dict[str, Any]:
    if isinstance(c, AliasChange):
        what: dict[str, Any] = {
            "kind": "alias",
            "alias": c.alias,
            "version": c.version,
            "previous_version": c.from_version,
        }
    else:
        what = {"kind": "stage", "from_stage": c.from_stage, "to_stage": c.to_stage}
    return {**what, "time": c.time, "actor": c.actor, "action": c.action}


def lineage(x: Lineage) -> dict[str, Any]:
    m = x.manifest
    return {
        "model_version": version(x.version),
        "registered": {
            "actor": x.registration.actor,
            "time": x.registration.time,
            "request_id": x.registration.request_id,
            "audit_seq": x.registration.audit_seq,
        },
        "files": None
        if m is None
        else {"file_count": m.file_count, "total_size": m.total_size, "digest": m.digest},
        "run": _run(x.run, x.source_code),
        "experiment": _experiment(x.experiment),
        "logged_model": _logged_model(x.logged_model),
        "history": [_change(c) for c in x.changes],
        "approvals": [approval_request(r) for r in x.approvals],
        "deployments": [deployment(d) for d in x.deployments],
    }


def _metric_delta(d: MetricDelta) -> dict[str, Any]:
    return {"key": d.key, "a": _num(d.a), "b": _num(d.b), "delta": _num(d.delta)}


def _value_change(c: ValueChange) -> dict[str, Any]:
    return {"key": c.key, "a": c.a, "b": c.b, "status": c.status}


def _file_change(c: FileChange) -> dict[str, Any]:
    return {
        "path": c.path,
        "status": c.status,
        "a": None if c.a is None else {"size": c.a.size, "sha256": c.a.sha256},
        "b": None if c.b is None else {"size": c.b.size, "sha256": c.b.sha256},
    }


def comparison(c: Comparison) -> dict[str, Any]:
    return {
        "a": version(c.a),
        "b": version(c.b),
        "metrics": [_metric_delta(d) for d in c.metrics],
        "params": [_value_change(p) for p in c.params],
        "tags": [_value_change(t) for t in c.tags],
        "run_tags": [_value_change(t) for t in c.run_tags],
        "signature": {"a": c.signature.a, "b": c.signature.b, "same": c.signature.same},
        "files": None if c.files is None else [_file_change(f) for f in c.files],
    }
