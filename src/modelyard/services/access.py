"""Authorization: whether a caller may do what a request needs, and permission grants.

A request's needs (`Need`) name a resource the way the request names it (a model's name, a
run id, an artifact path, a version's source...) and the level it needs there. Each is found
with the caller's grant in one query and checked with `Principal.may`. A resource that does not
exist is let through: the service then answers 404, as it would to anyone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from modelyard.domain import access, sources
from modelyard.domain.access import Level, Principal
from modelyard.domain.events import EXPERIMENT as EXPERIMENT_TARGET
from modelyard.domain.events import REGISTERED_MODEL, ActorLike, Target, as_actor
from modelyard.errors import (
    AlreadyExists,
    InvalidParameter,
    ModelyardError,
    NotFound,
    PermissionDenied,
)
from modelyard.services import audit
from modelyard.services.common import model_row
from modelyard.services.version_files import VIEW_PREFIX
from modelyard.store import experiments, permissions, users
from modelyard.store.permissions import EXPERIMENT, MODEL, Found
from modelyard.store.uow import UnitOfWork

# What a need names.
MODEL_NAME = "model"
EXPERIMENT_ID = "experiment"
EXPERIMENT_NAME = "experiment_name"
RUN = "run"
LOGGED_MODEL = "logged_model"
APPROVAL_REQUEST = "approval_request"
ARTIFACT_PATH = "artifact_path"
VERSION_SOURCE = "version_source"
ADMIN = "admin"
SELF_OR_ADMIN = "self_or_admin"
# The named user signed in with their password (not a token), or an admin: changing a
# password must not be in reach of a leaked token.
SELF_BY_PASSWORD = "self_by_password"
# No resource: what the caller's token scope allows (creating a model, say).
ANY = "any"

# What grants hang on (for set_permission and friends).
GRANT_ON_MODEL = MODEL
GRANT_ON_EXPERIMENT = EXPERIMENT

_VERSION_VIEW = re.compile(rf"^{re.escape(VIEW_PREFIX)}/([0-9]{{1,18}})(/|$)")
_EXPERIMENT_DIR = re.compile(r"^([0-9]{1,18})(/|$)")


@dataclass(frozen=True, slots=True)
class Need:
    kind: str
    key: Any
    level: Level = Level.READ


@dataclass(frozen=True, slots=True)
class ReadFilter:
    """What a search may show a non-admin caller: resources they may read."""

    user_id: int
    default: str


def read_filter(principal: Principal | None, default: str) -> ReadFilter | None:
    """None (no filtering) in local mode and for admins."""
    if principal is None or principal.acts_as_admin or principal.user_id is None:
        return None
    return ReadFilter(principal.user_id, default)


def readable_models(reader: ReadFilter | None) -> list[ColumnElement[bool]]:
    """The SQL conditions that keep a search of registered models to what `reader` may read."""
    return [] if reader is None else [permissions.models_readable(reader.user_id, reader.default)]


def readable_versions(reader: ReadFilter | None) -> list[ColumnElement[bool]]:
    return [] if reader is None else [permissions.versions_readable(reader.user_id, reader.default)]


def readable_experiments(reader: ReadFilter | None) -> list[ColumnElement[bool]]:
    if reader is None:
        return []
    return [permissions.experiments_readable(reader.user_id, reader.default)]


def readable_model_ids(conn: sa.Connection, reader: ReadFilter, ids: set[int]) -> set[int]:
    return permissions.readable_model_ids(conn, ids, reader.user_id, reader.default)


def authorize(
    uow: UnitOfWork,
    principal: Principal,
    needs: Sequence[Need],
    *,
    default: str,
    external_prefixes: Sequence[str] = (),
) -> None:
    """Raises PermissionDenied naming the first need the caller lacks."""
    if not needs:
        return
    with uow.read() as conn:
        for need in needs:
            _check(conn, principal, need, default, external_prefixes)


def _check(
    conn: sa.Connection,
    principal: Principal,
    need: Need,
    default: str,
    external_prefixes: Sequence[str],
) -> None:
    if need.kind in (ADMIN, SELF_OR_ADMIN, SELF_BY_PASSWORD):
        _check_identity(principal, need)
        return
    if need.kind == ANY:
        if need.level > principal.cap:
            raise PermissionDenied(access.describe_refusal(principal, need.level, "this request"))
        return
    if need.kind == VERSION_SOURCE:
        nested = _source_need(need.key, external_prefixes)
        if nested is not None:
            _check(conn, principal, nested, default, external_prefixes)
        return
    found, what = _find(conn, need, principal.user_id)
    if found is None and what is None:
        return
    granted = found.permission if found is not None else None
    if not principal.may(need.level, granted, default):
        raise PermissionDenied(access.describe_refusal(principal, need.level, what or "it"))


def _check_identity(principal: Principal, need: Need) -> None:
    """Needs on who the caller is, not on a resource."""
    if need.kind == ADMIN:
        if not principal.acts_as_admin:
            raise PermissionDenied(f"Only an admin may do this; '{principal.username}' is not.")
        return
    if need.kind in (SELF_OR_ADMIN, SELF_BY_PASSWORD):
        if principal.acts_as_admin:
            return
        if need.key != principal.username:
            raise PermissionDenied(
                f"'{principal.username}' may only do this for themselves (or as an admin)."
            )
        if need.level > principal.cap or (need.kind == SELF_BY_PASSWORD and principal.scope):
            raise PermissionDenied("Sign in with your password (not a token) to do this.")


def _find(conn: sa.Connection, need: Need, user_id: int | None) -> tuple[Found | None, str | None]:
    """The resource and the caller's grant, and how to name it; (None, None) when missing.
    (None, name) is a resource no one holds grants on: the default permission applies."""
    key = need.key
    if key is None:
        return None, None
    if need.kind == MODEL_NAME:
        found = permissions.model_by_name(conn, str(key), user_id)
        return found, f"registered model '{key}'"
    if need.kind == EXPERIMENT_ID:
        number = _number(key)
        found = None if number is None else permissions.experiment_by_id(conn, number, user_id)
        return found, f"experiment {key}"
    if need.kind == EXPERIMENT_NAME:
        return permissions.experiment_by_name(conn, str(key), user_id), f"experiment '{key}'"
    if need.kind == RUN:
        return permissions.experiment_of_run(
            conn, str(key), user_id
        ), f"the experiment of run {key}"
    if need.kind == LOGGED_MODEL:
        found = permissions.experiment_of_logged_model(conn, str(key), user_id)
        return found, f"the experiment of logged model {key}"
    if need.kind == APPROVAL_REQUEST:
        number = _number(key)
        found = None if number is None else permissions.model_of_request(conn, number, user_id)
        return found, f"the model of approval request {key}"
    if need.kind == ARTIFACT_PATH:
        return _artifact(conn, str(key), user_id)
    raise AssertionError(f"unknown need {need.kind}")


def _artifact(conn: sa.Connection, path: str, user_id: int | None) -> tuple[Found | None, str]:
    """An artifact path's owner: a version's files, an experiment's folder (`<id>/...`, where
    runs and logged models keep theirs), or nobody (the default permission applies)."""
    path = path.lstrip("/")
    if (match := _VERSION_VIEW.match(path)) is not None:
        found = permissions.model_of_version(conn, int(match.group(1)), user_id)
        return found, "the registered model of these files"
    if (match := _EXPERIMENT_DIR.match(path)) is not None:
        found = permissions.experiment_by_id(conn, int(match.group(1)), user_id)
        return found, f"experiment {match.group(1)}"
    return None, "artifacts outside any experiment"


def _source_need(source: Any, external_prefixes: Sequence[str]) -> Need | None:
    """Registering a version reads its source: the caller must be able to read it."""
    if not isinstance(source, str):
        return None
    try:
        parsed = sources.parse_source(source, external_prefixes=external_prefixes)
    except InvalidParameter:
        return None  # the service refuses it with the reason
    if isinstance(parsed, sources.RunArtifacts):
        return Need(RUN, parsed.run_id)
    if isinstance(parsed, sources.LoggedModelArtifacts):
        return Need(LOGGED_MODEL, parsed.model_id)
    if isinstance(parsed, sources.OtherVersion):
        return Need(MODEL_NAME, parsed.name)
    if isinstance(parsed, sources.ProxiedArtifacts):
        return Need(ARTIFACT_PATH, parsed.path)
    return None


def _number(value: Any) -> int | None:
    text = str(value)
    return int(text) if text.isdigit() and len(text) <= 18 else None


# --- grants (MLflow's permission endpoints) ----------------------------------------------------


def grant_creator(conn: sa.Connection, kind: str, resource_id: int, actor: ActorLike) -> None:
    """Whoever creates a model or an experiment manages it (when access control is on)."""
    user_id = as_actor(actor).user_id
    if user_id is not None:
        permissions.set_grant(conn, kind, resource_id, user_id, "MANAGE")


def _resource(conn: sa.Connection, kind: str, key: str) -> tuple[int, Target]:
    if kind == MODEL:
        model = model_row(conn, key)
        return model.id, Target(REGISTERED_MODEL, model.name)
    number = _number(key)
    row = None if number is None else experiments.find_experiment(conn, number)
    if row is None:
        raise NotFound(f"No Experiment with id={key} exists")
    return row.id, Target(EXPERIMENT_TARGET, str(row.id))


def _user_id(conn: sa.Connection, username: str) -> int:
    row = users.find_user(conn, username)
    if row is None:
        raise NotFound(f"User with username={username} not found")
    return int(row.id)


def get_permission(uow: UnitOfWork, *, kind: str, key: str, username: str) -> dict[str, Any]:
    with uow.read() as conn:
        resource_id, _ = _resource(conn, kind, key)
        user_id = _user_id(conn, username)
        granted = permissions.grant_of(conn, kind, resource_id, user_id)
        if granted is None:
            raise NotFound(f"No permission on {kind} {key} for user {username}")
        return _shape(kind, key, user_id, granted)


def set_permission(
    uow: UnitOfWork,
    *,
    kind: str,
    key: str,
    username: str,
    permission: str,
    create: bool,
    actor: ActorLike = None,
) -> dict[str, Any]:
    """Create (`create`: refused when one exists, as MLflow) or update a user's grant."""
    access.check_permission(permission)
    with uow.write() as conn:
        resource_id, target = _resource(conn, kind, key)
        user_id = _user_id(conn, username)
        before = permissions.grant_of(conn, kind, resource_id, user_id)
        if create and before is not None:
            raise _exists(kind, key, username)
        if not create and before is None:
            raise NotFound(f"No permission on {kind} {key} for user {username}")
        permissions.set_grant(conn, kind, resource_id, user_id, permission)
        audit.record(
            conn,
            actor,
            "permission.set",
            target,
            before={"username": username, "permission": before} if before else None,
            after={"username": username, "permission": permission},
        )
        return _shape(kind, key, user_id, permission)


def delete_permission(
    uow: UnitOfWork, *, kind: str, key: str, username: str, actor: ActorLike = None
) -> None:
    with uow.write() as conn:
        resource_id, target = _resource(conn, kind, key)
        user_id = _user_id(conn, username)
        before = permissions.grant_of(conn, kind, resource_id, user_id)
        if not permissions.delete_grant(conn, kind, resource_id, user_id):
            raise NotFound(f"No permission on {kind} {key} for user {username}")
        audit.record(
            conn,
            actor,
            "permission.delete",
            target,
            before={"username": username, "permission": before},
        )


def _exists(kind: str, key: str, username: str) -> ModelyardError:
    return AlreadyExists(f"Permission on {kind} {key} for user {username} already exists")


def _shape(kind: str, key: str, user_id: int, permission: str) -> dict[str, Any]:
    if kind == MODEL:
        return {"name": key, "user_id": user_id, "permission": permission}
    return {"experiment_id": key, "user_id": user_id, "permission": permission}
