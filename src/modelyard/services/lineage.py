"""Lineage: the whole story of one model version in one read transaction (see domain/lineage.py).

Read through the stores the other services use: the version, its manifest, its registration
event in the audit trail, its run with the run's experiment, its logged model, its stage and
alias history, its approval requests and its deployment records.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from modelyard.domain import lineage as shape
from modelyard.domain import names
from modelyard.domain.deployments import MAX_DEPLOYMENTS_LISTED
from modelyard.domain.events import MODEL_VERSION
from modelyard.domain.history import AliasChange, StageChange
from modelyard.domain.lineage import Lineage, Registration
from modelyard.domain.registry import ModelVersion, VersionFile
from modelyard.domain.tracking import Experiment, LoggedModel, Run
from modelyard.services.approvals import requests_of_version
from modelyard.services.common import model_row, version_row
from modelyard.store import (
    deployments,
    events,
    experiments,
    history,
    logged_models,
    runs,
    version_files,
    versions,
)
from modelyard.store.uow import UnitOfWork

REGISTERED = "model_version.create"


def version_lineage(uow: UnitOfWork, *, name: str | None, version: str | int | None) -> Lineage:
    """Everything known about a version; parts it does not have are None or empty."""
    name = names.validate_model_name(name)
    number = names.parse_version(version)
    with uow.read() as conn:
        model = model_row(conn, name)
        row = version_row(conn, model, number)
        mv = versions.load_versions(conn, [row])[0]
        run = _run(conn, mv.run_id)
        files = version_files.files_of(conn, row.id) if mv.storage_location else None
        return Lineage(
            version=mv,
            registration=_registration(conn, mv),
            manifest=shape.manifest_summary(files) if files is not None else None,
            run=run,
            source_code=shape.source_code(run.tags) if run is not None else None,
            experiment=_experiment(conn, run),
            logged_model=_logged_model(conn, mv.model_id),
            changes=_changes(history.version_rows(conn, model.id, number)),
            approvals=requests_of_version(conn, model.id, row.id),
            deployments=deployments.find(
                conn, model_id=model.id, version_id=row.id, limit=MAX_DEPLOYMENTS_LISTED
            ),
        )


def version_manifest(
    uow: UnitOfWork, *, name: str | None, version: str | int | None
) -> tuple[ModelVersion, list[VersionFile] | None]:
    """A version and its files (path, size, sha256), which clients check downloads against.
    None for a version that references files modelyard does not keep."""
    name = names.validate_model_name(name)
    number = names.parse_version(version)
    with uow.read() as conn:
        row = version_row(conn, model_row(conn, name), number)
        mv = versions.load_versions(conn, [row])[0]
        return mv, version_files.files_of(conn, row.id) if mv.storage_location else None


def _registration(conn: sa.Connection, mv: ModelVersion) -> Registration:
    query = events.EventQuery(
        model=mv.name, version=mv.version, action=REGISTERED, target_types=(MODEL_VERSION,)
    )
    # The newest: a model deleted and created again under the name starts at version 1 again.
    found = events.search(conn, query, before_seq=None, limit=1)
    if found and found[0].time >= mv.creation_timestamp - 1000:
        event = found[0]
        return Registration(event.actor, event.time, event.request_id, event.seq)
    return Registration(mv.user_id, mv.creation_timestamp)


def _run(conn: sa.Connection, run_id: str | None) -> Run | None:
    row = runs.find_run(conn, run_id) if run_id else None
    return runs.load_runs(conn, [row])[0] if row is not None else None


def _experiment(conn: sa.Connection, run: Run | None) -> Experiment | None:
    if run is None:
        return None
    row = experiments.find_experiment(conn, int(run.info.experiment_id))
    return experiments.load_experiments(conn, [row])[0] if row is not None else None


def _logged_model(conn: sa.Connection, model_id: str | None) -> LoggedModel | None:
    row = logged_models.find_logged_model(conn, model_id) if model_id else None
    return logged_models.load_logged_models(conn, [row])[0] if row is not None else None


def _changes(rows: list[sa.Row[Any]]) -> list[AliasChange | StageChange]:
    out: list[AliasChange | StageChange] = []
    for r in rows:
        if r.kind == history.ALIAS:
            out.append(AliasChange(r.name, r.version, r.from_version, r.time, r.actor, r.action))
        else:
            out.append(StageChange(r.version, r.from_stage, r.name, r.time, r.actor, r.action))
    return out
