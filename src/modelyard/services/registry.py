"""Registered models: create, read, rename, describe, tag, delete, search."""

from __future__ import annotations

from collections.abc import Sequence

from modelyard.domain import filters, names, pagination, stages
from modelyard.domain.events import REGISTERED_MODEL, ActorLike, Target
from modelyard.domain.registry import ModelVersion, Page, RegisteredModel
from modelyard.errors import AlreadyExists
from modelyard.services import access, audit
from modelyard.services.access import ReadFilter
from modelyard.services.common import model_row, now_ms, user_id_of
from modelyard.store import permissions, registry, search, versions
from modelyard.store.uow import UnitOfWork


def create_registered_model(
    uow: UnitOfWork,
    *,
    name: str | None,
    tags: list[tuple[str, str]] | None = None,
    description: str | None = None,
    actor: ActorLike = None,
) -> RegisteredModel:
    name = names.validate_model_name(name)
    tag_map = names.validate_tags(tags)
    names.check_text(description, "description", names.MAX_DESCRIPTION_LENGTH)
    with uow.write() as conn:
        if registry.find_model(conn, name) is not None:
            raise AlreadyExists(f"Registered Model (name={name}) already exists.")
        model_id = registry.insert_model(
            conn, name=name, description=description, user_id=user_id_of(actor), now=now_ms()
        )
        registry.set_model_tags(conn, model_id, tag_map)
        access.grant_creator(conn, permissions.MODEL, model_id, actor)
        audit.record(
            conn,
            actor,
            "registered_model.create",
            Target(REGISTERED_MODEL, name),
            after={"description": description, "tags": tag_map},
        )
        return registry.load_models(conn, [model_row(conn, name)])[0]


def get_registered_model(uow: UnitOfWork, *, name: str | None) -> RegisteredModel:
    name = names.validate_model_name(name)
    with uow.read() as conn:
        return registry.load_models(conn, [model_row(conn, name)])[0]


def rename_registered_model(
    uow: UnitOfWork, *, name: str | None, new_name: str | None, actor: ActorLike = None
) -> RegisteredModel:
    name = names.validate_model_name(name)
    new_name = names.validate_model_name(new_name, "new_name")
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        if new_name != name and registry.find_model(conn, new_name) is not None:
            raise AlreadyExists(f"Registered Model (name={new_name}) already exists.")
        registry.update_model(conn, model.id, name=new_name, last_updated_time=now_ms())
        audit.record(
            conn,
            actor,
            "registered_model.rename",
            Target(REGISTERED_MODEL, new_name),
            before={"name": name},
            after={"name": new_name},
        )
        return registry.load_models(conn, [model_row(conn, new_name)])[0]


def update_registered_model(
    uow: UnitOfWork, *, name: str | None, description: str | None, actor: ActorLike = None
) -> RegisteredModel:
    name = names.validate_model_name(name)
    names.check_text(description, "description", names.MAX_DESCRIPTION_LENGTH)
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        registry.update_model(conn, model.id, description=description, last_updated_time=now_ms())
        audit.record(
            conn,
            actor,
            "registered_model.update",
            Target(REGISTERED_MODEL, name),
            before={"description": model.description},
            after={"description": description},
        )
        return registry.load_models(conn, [model_row(conn, name)])[0]


def delete_registered_model(uow: UnitOfWork, *, name: str | None, actor: ActorLike = None) -> None:
    name = names.validate_model_name(name)
    with uow.write() as conn:
        registry.delete_model(conn, model_row(conn, name, for_update=True).id)
        audit.record(conn, actor, "registered_model.delete", Target(REGISTERED_MODEL, name))


def set_registered_model_tag(
    uow: UnitOfWork,
    *,
    name: str | None,
    key: str | None,
    value: str | None,
    actor: ActorLike = None,
) -> None:
    name = names.validate_model_name(name)
    key, value = names.validate_tag(key, value)
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        registry.set_model_tags(conn, model.id, {key: value})
        registry.update_model(conn, model.id, last_updated_time=now_ms())
        audit.record(
            conn,
            actor,
            "registered_model.set_tag",
            Target(REGISTERED_MODEL, name),
            after={"tags": {key: value}},
        )


def delete_registered_model_tag(
    uow: UnitOfWork, *, name: str | None, key: str | None, actor: ActorLike = None
) -> None:
    name = names.validate_model_name(name)
    key = names.validate_tag_key(key)
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        if registry.delete_model_tag(conn, model.id, key):  # a missing tag changes nothing
            registry.update_model(conn, model.id, last_updated_time=now_ms())
            audit.record(
                conn,
                actor,
                "registered_model.delete_tag",
                Target(REGISTERED_MODEL, name),
                before={"tag_key": key},
            )


def search_registered_models(
    uow: UnitOfWork,
    *,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
    max_results: int | None = None,
    page_token: str | None = None,
    readable: ReadFilter | None = None,
) -> Page[RegisteredModel]:
    limit = pagination.check_max_results(
        max_results,
        default=pagination.DEFAULT_REGISTERED_MODELS_PER_PAGE,
        limit=pagination.MAX_REGISTERED_MODELS_PER_PAGE,
    )
    where = search.registered_model_where(filters.parse_registered_model_filter(filter_string))
    where += access.readable_models(readable)
    order = search.registered_model_order(filters.parse_registered_model_order_by(order_by))
    offset = pagination.decode_offset(page_token)
    with uow.read() as conn:
        # One row more than the page tells whether another page follows.
        rows = registry.search_models(
            conn, where=where, order=order, offset=offset, limit=limit + 1
        )
        models = registry.load_models(conn, rows[:limit])
    next_token = pagination.encode_offset(offset + limit) if len(rows) > limit else None
    return Page(items=models, next_page_token=next_token)


def get_latest_versions(
    uow: UnitOfWork, *, name: str | None, stages_filter: Sequence[str] | None = None
) -> list[ModelVersion]:
    name = names.validate_model_name(name)
    wanted = [stages.canonical_stage(s) for s in stages_filter] if stages_filter else None
    with uow.read() as conn:
        model = model_row(conn, name)
        return versions.latest_per_stage(conn, [model.id], stages=wanted).get(model.id, [])
