"""Repository for permissions: per-user grants on registered models and experiments, the
lookups that find a resource and the caller's grant on it in one query, and the SQL conditions
that keep searches to what a user may read."""

from __future__ import annotations

from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from modelyard.domain.access import PERMISSIONS, READABLE, Level
from modelyard.store.auth_tables import experiment_permissions, model_permissions
from modelyard.store.governance_tables import approval_requests
from modelyard.store.tables import model_versions, registered_models
from modelyard.store.tracking_tables import experiments, logged_models, runs

mp = model_permissions.c
ep = experiment_permissions.c
MODEL = "registered_model"
EXPERIMENT = "experiment"
_TABLES = {
    MODEL: (model_permissions, mp.model_id),
    EXPERIMENT: (experiment_permissions, ep.experiment_id),
}


class Found(NamedTuple):
    """A resource that exists (its model or experiment id) and the caller's grant on it."""

    kind: str
    id: int
    permission: str | None


# --- grants ------------------------------------------------------------------------------------


def grant_of(conn: sa.Connection, kind: str, resource_id: int, user_id: int) -> str | None:
    table, key = _TABLES[kind]
    return conn.execute(
        sa.select(table.c.permission).where(key == resource_id, table.c.user_id == user_id)
    ).scalar()


def set_grant(
    conn: sa.Connection, kind: str, resource_id: int, user_id: int, permission: str
) -> None:
    table, key = _TABLES[kind]
    updated = conn.execute(
        sa.update(table)
        .where(key == resource_id, table.c.user_id == user_id)
        .values(permission=permission)
    )
    if not updated.rowcount:
        conn.execute(
            sa.insert(table).values(
                {key.name: resource_id, "user_id": user_id, "permission": permission}
            )
        )


def delete_grant(conn: sa.Connection, kind: str, resource_id: int, user_id: int) -> bool:
    table, key = _TABLES[kind]
    result = conn.execute(sa.delete(table).where(key == resource_id, table.c.user_id == user_id))
    return bool(result.rowcount)


def grants_of_user(conn: sa.Connection, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """A user's grants, as MLflow's user object lists them."""
    models = conn.execute(
        sa.select(registered_models.c.name, mp.permission)
        .join(registered_models, registered_models.c.id == mp.model_id)
        .where(mp.user_id == user_id)
        .order_by(registered_models.c.name)
    )
    exps = conn.execute(
        sa.select(ep.experiment_id, ep.permission)
        .where(ep.user_id == user_id)
        .order_by(ep.experiment_id)
    )
    return {
        "registered_model_permissions": [
            {"name": name, "user_id": user_id, "permission": perm} for name, perm in models
        ],
        "experiment_permissions": [
            {"experiment_id": str(eid), "user_id": user_id, "permission": perm}
            for eid, perm in exps
        ],
    }


# --- a resource and the caller's grant ---------------------------------------------------------


def _model(stmt: sa.Select[Any], user_id: int | None) -> sa.Select[Any]:
    return stmt.outerjoin(
        model_permissions,
        sa.and_(mp.model_id == registered_models.c.id, mp.user_id == (user_id or -1)),
    )


def _experiment(stmt: sa.Select[Any], experiment_id: Any, user_id: int | None) -> sa.Select[Any]:
    return stmt.outerjoin(
        experiment_permissions,
        sa.and_(ep.experiment_id == experiment_id, ep.user_id == (user_id or -1)),
    )


def _found(kind: str, row: Any) -> Found | None:
    return None if row is None else Found(kind, row[0], row[1])


def model_by_name(conn: sa.Connection, name: str, user_id: int | None) -> Found | None:
    stmt = sa.select(registered_models.c.id, mp.permission).select_from(registered_models)
    row = conn.execute(_model(stmt, user_id).where(registered_models.c.name == name)).first()
    return _found(MODEL, row)


def model_of_version(conn: sa.Connection, version_id: int, user_id: int | None) -> Found | None:
    stmt = (
        sa.select(registered_models.c.id, mp.permission)
        .select_from(model_versions)
        .join(registered_models, registered_models.c.id == model_versions.c.model_id)
    )
    row = conn.execute(_model(stmt, user_id).where(model_versions.c.id == version_id)).first()
    return _found(MODEL, row)


def model_of_request(conn: sa.Connection, request_id: int, user_id: int | None) -> Found | None:
    stmt = (
        sa.select(registered_models.c.id, mp.permission)
        .select_from(approval_requests)
        .join(registered_models, registered_models.c.id == approval_requests.c.model_id)
    )
    row = conn.execute(_model(stmt, user_id).where(approval_requests.c.id == request_id)).first()
    return _found(MODEL, row)


def experiment_by_id(conn: sa.Connection, experiment_id: int, user_id: int | None) -> Found | None:
    e = experiments.c
    stmt = _experiment(sa.select(e.id, ep.permission).select_from(experiments), e.id, user_id)
    return _found(EXPERIMENT, conn.execute(stmt.where(e.id == experiment_id)).first())


def experiment_by_name(conn: sa.Connection, name: str, user_id: int | None) -> Found | None:
    e = experiments.c
    stmt = _experiment(sa.select(e.id, ep.permission).select_from(experiments), e.id, user_id)
    return _found(EXPERIMENT, conn.execute(stmt.where(e.name == name)).first())


def experiment_of_run(conn: sa.Connection, run_id: str, user_id: int | None) -> Found | None:
    r = runs.c
    stmt = _experiment(
        sa.select(r.experiment_id, ep.permission).select_from(runs), r.experiment_id, user_id
    )
    return _found(EXPERIMENT, conn.execute(stmt.where(r.run_id == run_id)).first())


def experiment_of_logged_model(
    conn: sa.Connection, model_id: str, user_id: int | None
) -> Found | None:
    lm = logged_models.c
    stmt = _experiment(
        sa.select(lm.experiment_id, ep.permission).select_from(logged_models),
        lm.experiment_id,
        user_id,
    )
    return _found(EXPERIMENT, conn.execute(stmt.where(lm.model_id == model_id)).first())


# --- what searches may show --------------------------------------------------------------------


def readable(
    kind: str, resource_id: ColumnElement[Any], user_id: int, default: str
) -> ColumnElement[bool]:
    """SQL: the resource with id `resource_id` is readable by the user. With a readable default,
    every resource but those explicitly denied; otherwise only those granted."""
    table, key = _TABLES[kind]
    mine = sa.and_(key == resource_id, table.c.user_id == user_id)
    if PERMISSIONS[default] >= Level.READ:
        denied = [name for name in PERMISSIONS if name not in READABLE]
        return ~sa.exists().where(mine, table.c.permission.in_(denied))
    return sa.exists().where(mine, table.c.permission.in_(READABLE))


def models_readable(user_id: int, default: str) -> ColumnElement[bool]:
    return readable(MODEL, registered_models.c.id, user_id, default)


def versions_readable(user_id: int, default: str) -> ColumnElement[bool]:
    return readable(MODEL, model_versions.c.model_id, user_id, default)


def experiments_readable(user_id: int, default: str) -> ColumnElement[bool]:
    return readable(EXPERIMENT, experiments.c.id, user_id, default)


def readable_model_ids(conn: sa.Connection, ids: set[int], user_id: int, default: str) -> set[int]:
    """Of these registered model ids, those the user may read."""
    if not ids:
        return set()
    rows = conn.execute(
        sa.select(registered_models.c.id).where(
            registered_models.c.id.in_(sorted(ids)), models_readable(user_id, default)
        )
    )
    return set(rows.scalars())
