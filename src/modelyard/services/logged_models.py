"""MLflow 3 logged models: create, read, finalize, delete, search, tags, params."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from modelyard.domain import names, pagination, run_filters, tracking_rules
from modelyard.domain.events import LOGGED_MODEL, ActorLike, Target
from modelyard.domain.registry import Page
from modelyard.domain.tracking import ACTIVE, DELETED, LoggedModel, logged_model_artifact_location
from modelyard.errors import InvalidParameter, NotFound
from modelyard.services import audit
from modelyard.services.common import now_ms
from modelyard.services.experiments import active_experiment_row
from modelyard.services.runs import random_name
from modelyard.store import logged_models, tracking_search
from modelyard.store.uow import UnitOfWork

MAX_MODEL_NAME_LENGTH = 500
MAX_PARAMS_PER_REQUEST = 100


def _row(
    conn: sa.Connection, model_id: str, *, for_update: bool = False, allow_deleted: bool = False
) -> Any:
    row = logged_models.find_logged_model(conn, model_id, for_update=for_update)
    if row is None or (row.lifecycle_stage == DELETED and not allow_deleted):
        raise NotFound(f"Logged model with ID '{model_id}' not found.")
    return row


def _load(conn: sa.Connection, model_id: str) -> LoggedModel:
    return logged_models.load_logged_models(conn, [_row(conn, model_id, allow_deleted=True)])[0]


def create_logged_model(
    uow: UnitOfWork,
    *,
    experiment_id: str | None,
    name: str | None = None,
    model_type: str | None = None,
    source_run_id: str | None = None,
    params: list[tuple[str | None, str | None]] | None = None,
    tags: list[tuple[str | None, str | None]] | None = None,
    actor: ActorLike = None,
) -> LoggedModel:
    number = tracking_rules.experiment_id(experiment_id)
    names.check_text(name, "name", MAX_MODEL_NAME_LENGTH)
    names.check_text(model_type, "model_type", MAX_MODEL_NAME_LENGTH)
    if source_run_id:
        source_run_id = tracking_rules.run_id(source_run_id, "source_run_id")
    param_map = _params(params)
    tag_map = tracking_rules.tags(tags, tracking_rules.MAX_TAG_VALUE_LENGTH)
    model_id = f"m-{uuid.uuid4().hex}"
    now = now_ms()
    with uow.write() as conn:
        experiment = active_experiment_row(conn, number)
        logged_models.insert_logged_model(
            conn,
            model_id=model_id,
            experiment_id=number,
            name=name or random_name(),
            source_run_id=source_run_id or None,
            status="PENDING",
            model_type=model_type or None,
            artifact_location=logged_model_artifact_location(
                experiment.artifact_location, model_id
            ),
            lifecycle_stage=ACTIVE,
            creation_time=now,
            last_updated_time=now,
        )
        logged_models.set_params(conn, model_id, param_map)
        logged_models.set_tags(conn, model_id, tag_map)
        audit.record(
            conn,
            actor,
            "logged_model.create",
            Target(LOGGED_MODEL, model_id),
            after={"experiment_id": str(number), "source_run_id": source_run_id or None},
        )
        return _load(conn, model_id)


def _params(pairs: list[tuple[str | None, str | None]] | None) -> dict[str, str]:
    pairs = pairs or []
    if len(pairs) > MAX_PARAMS_PER_REQUEST:
        raise InvalidParameter(
            f"A request may carry at most {MAX_PARAMS_PER_REQUEST} params; got {len(pairs)}."
        )
    return dict(tracking_rules.param(k, v) for k, v in pairs)


def get_logged_model(
    uow: UnitOfWork, *, model_id: str | None, allow_deleted: bool = False
) -> LoggedModel:
    model_id = tracking_rules.model_id(model_id)
    with uow.read() as conn:
        row = _row(conn, model_id, allow_deleted=allow_deleted)
        return logged_models.load_logged_models(conn, [row])[0]


def finalize_logged_model(
    uow: UnitOfWork, *, model_id: str | None, status: str | None, actor: ActorLike = None
) -> LoggedModel:
    model_id = tracking_rules.model_id(model_id)
    final = tracking_rules.logged_model_status(status)
    if final == "PENDING":
        raise InvalidParameter("A logged model is finalized as READY or FAILED, not PENDING.")
    with uow.write() as conn:
        row = _row(conn, model_id, for_update=True)
        logged_models.update_logged_model(conn, model_id, status=final, last_updated_time=now_ms())
        audit.record(
            conn,
            actor,
            "logged_model.finalize",
            Target(LOGGED_MODEL, model_id),
            before={"status": row.status},
            after={"status": final},
        )
        return _load(conn, model_id)


def delete_logged_model(uow: UnitOfWork, *, model_id: str | None, actor: ActorLike = None) -> None:
    model_id = tracking_rules.model_id(model_id)
    with uow.write() as conn:
        _row(conn, model_id, for_update=True)
        logged_models.update_logged_model(
            conn, model_id, lifecycle_stage=DELETED, last_updated_time=now_ms()
        )
        audit.record(conn, actor, "logged_model.delete", Target(LOGGED_MODEL, model_id))


def set_logged_model_tags(
    uow: UnitOfWork,
    *,
    model_id: str | None,
    tags: list[tuple[str | None, str | None]] | None,
    actor: ActorLike = None,
) -> LoggedModel:
    model_id = tracking_rules.model_id(model_id)
    tag_map = tracking_rules.tags(tags, tracking_rules.MAX_TAG_VALUE_LENGTH)
    with uow.write() as conn:
        _row(conn, model_id, for_update=True)
        logged_models.set_tags(conn, model_id, tag_map)
        logged_models.update_logged_model(conn, model_id, last_updated_time=now_ms())
        audit.record(
            conn, actor, "logged_model.set_tags", Target(LOGGED_MODEL, model_id), after=tag_map
        )
        return _load(conn, model_id)


def delete_logged_model_tag(
    uow: UnitOfWork, *, model_id: str | None, key: str | None, actor: ActorLike = None
) -> None:
    model_id = tracking_rules.model_id(model_id)
    key = tracking_rules.key(key, "tag_key")
    with uow.write() as conn:
        _row(conn, model_id, for_update=True)
        if not logged_models.delete_tag(conn, model_id, key):
            raise NotFound(f"No tag with key {key!r} on logged model '{model_id}'.")
        audit.record(
            conn,
            actor,
            "logged_model.delete_tag",
            Target(LOGGED_MODEL, model_id),
            before={"tag_key": key},
        )


def log_logged_model_params(
    uow: UnitOfWork,
    *,
    model_id: str | None,
    params: list[tuple[str | None, str | None]] | None,
    actor: ActorLike = None,
) -> None:
    model_id = tracking_rules.model_id(model_id)
    param_map = _params(params)
    with uow.write() as conn:
        _row(conn, model_id, for_update=True)
        logged_models.set_params(conn, model_id, param_map)
        audit.record(
            conn,
            actor,
            "logged_model.log_params",
            Target(LOGGED_MODEL, model_id),
            after={"params": sorted(param_map)[:20]},
        )


def search_logged_models(
    uow: UnitOfWork,
    *,
    experiment_ids: Sequence[str] | None,
    filter_string: str | None = None,
    order_by: Sequence[tuple[str, bool]] = (),
    max_results: int | None = None,
    page_token: str | None = None,
) -> Page[LoggedModel]:
    ids = [tracking_rules.experiment_id(e, "experiment_ids") for e in experiment_ids or []]
    if not ids:
        raise InvalidParameter("Missing value for required parameter 'experiment_ids'.")
    limit = pagination.check_max_results(
        max_results,
        default=tracking_rules.DEFAULT_LOGGED_MODELS_PER_PAGE,
        limit=tracking_rules.MAX_LOGGED_MODELS_PER_PAGE,
    )
    stmt = tracking_search.search_logged_models_statement(
        experiment_ids=ids,
        comparisons=run_filters.parse_logged_model_filter(filter_string),
        order_bys=run_filters.parse_logged_model_order_by(order_by),
    )
    offset = pagination.decode_offset(page_token)
    with uow.read() as conn:
        rows = tracking_search.page(conn, stmt, offset=offset, limit=limit + 1)
        found = logged_models.load_logged_models(conn, rows[:limit])
    token = pagination.encode_offset(offset + limit) if len(rows) > limit else None
    return Page(items=found, next_page_token=token)
