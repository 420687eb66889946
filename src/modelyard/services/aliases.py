"""Aliases: named pointers (`champion`, `challenger`) from a registered model to one version."""

from __future__ import annotations

from modelyard.artifacts.base import ArtifactStore
from modelyard.domain import aliases, names, stages
from modelyard.domain import policies as policy_rules
from modelyard.domain.events import REGISTERED_MODEL, ActorLike, Target
from modelyard.domain.registry import ModelVersion
from modelyard.errors import NotFound
from modelyard.services import audit, history, policies
from modelyard.services.common import model_row, now_ms, version_row
from modelyard.store import registry, versions
from modelyard.store.uow import UnitOfWork

SET = "registered_model.alias_set"
DELETE = "registered_model.alias_delete"


def set_registered_model_alias(
    uow: UnitOfWork,
    *,
    name: str | None,
    alias: str | None,
    version: str | int | None,
    actor: ActorLike = None,
    artifacts: ArtifactStore | None = None,
) -> None:
    name = names.validate_model_name(name)
    alias = aliases.validate_settable_alias(alias)
    number = names.parse_version(version)
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        row = version_row(conn, model, number)
        stages.check_serves(row.status, version=number, what=f"receive the alias {alias!r}")
        # The promotion policy, in this transaction: a refusal (403) writes nothing.
        verdict = policies.enforce(
            conn, model, row, policy_rules.Target(policy_rules.ALIAS, alias), artifacts=artifacts
        )
        old = versions.find_version_by_alias(conn, name, alias)
        old_number = None if old is None else int(old.version)
        versions.set_alias(conn, model_id=model.id, alias=alias, version_id=row.id)
        now = now_ms()
        registry.update_model(conn, model.id, last_updated_time=now)
        if old_number != number:
            history.alias_changed(
                conn,
                model.id,
                alias,
                version=number,
                from_version=old_number,
                actor=actor,
                action=SET,
                now=now,
            )
        audit.record(
            conn,
            actor,
            SET,
            Target(REGISTERED_MODEL, name, number),
            before={"alias": alias, "version": old_number},
            # Which policy version allowed the change (None: no policy).
            after={
                "alias": alias,
                "version": number,
                "policy": policies.policy_ref(verdict.policy),
            },
        )


def delete_registered_model_alias(
    uow: UnitOfWork, *, name: str | None, alias: str | None, actor: ActorLike = None
) -> None:
    name = names.validate_model_name(name)
    alias = aliases.validate_alias(alias)
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        old = versions.find_version_by_alias(conn, name, alias)
        if old is None or not versions.delete_alias(conn, model_id=model.id, alias=alias):
            return  # a missing alias changes nothing
        now = now_ms()
        registry.update_model(conn, model.id, last_updated_time=now)
        history.alias_changed(
            conn,
            model.id,
            alias,
            version=None,
            from_version=int(old.version),
            actor=actor,
            action=DELETE,
            now=now,
        )
        audit.record(
            conn,
            actor,
            DELETE,
            Target(REGISTERED_MODEL, name, int(old.version)),
            before={"alias": alias, "version": int(old.version)},
        )


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
