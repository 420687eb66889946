"""Aliases: named pointers (`champion`, `challenger`) from a registered model to one version."""

from __future__ import annotations

from modelyard.domain import aliases, names
from modelyard.domain.registry import ModelVersion
from modelyard.errors import NotFound
from modelyard.services.common import model_row, now_ms, version_row
from modelyard.store import registry, versions
from modelyard.store.uow import UnitOfWork


def set_registered_model_alias(
    uow: UnitOfWork, *, name: str | None, alias: str | None, version: str | int | None
) -> None:
    name = names.validate_model_name(name)
    alias = aliases.validate_settable_alias(alias)
    number = names.parse_version(version)
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        row = version_row(conn, model, number)
        versions.set_alias(conn, model_id=model.id, alias=alias, version_id=row.id)
        registry.update_model(conn, model.id, last_updated_time=now_ms())


def delete_registered_model_alias(uow: UnitOfWork, *, name: str | None, alias: str | None) -> None:
    name = names.validate_model_name(name)
    alias = aliases.validate_alias(alias)
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        if versions.delete_alias(conn, model_id=model.id, alias=alias):
            registry.update_model(conn, model.id, last_updated_time=now_ms())


def get_model_version_by_alias(
    uow: UnitOfWork, *, name: str | None, alias: str | None
) -> ModelVersion:
    name = names.validate_model_name(name)
    alias = aliases.validate_alias(alias)
    latest = aliases.is_latest(alias)
    with uow.read() as conn:
        if latest:
            row = versions.find_newest_version(conn, name)
        else:
            row = versions.find_version_by_alias(conn, name, alias)
        if row is None:
            model_row(conn, name)  # a missing model is named as such
            if latest:
                raise NotFound(f"Latest version not found for model {name}.")
            raise NotFound(f"Registered model alias {alias} not found.")
        return versions.load_versions(conn, [row])[0]
