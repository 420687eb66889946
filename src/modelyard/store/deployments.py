"""Repository of deployment records (see deployment_tables.deployments)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from modelyard.domain.deployments import Deployment
from modelyard.store.deployment_tables import deployments
from modelyard.store.tables import model_versions, registered_models

d = deployments.c

_SELECT = sa.select(
    deployments,
    registered_models.c.name.label("model_name"),
    model_versions.c.version.label("version"),
).select_from(
    deployments.join(registered_models, registered_models.c.id == d.model_id).join(
        model_versions, model_versions.c.id == d.version_id
    )
)


def insert(conn: sa.Connection, *, tags: dict[str, str], **values: Any) -> int:
    encoded = json.dumps(tags, sort_keys=True) if tags else None
    stmt = sa.insert(deployments).values(tags=encoded, **values).returning(d.id)
    return int(conn.execute(stmt).scalar_one())


def find(
    conn: sa.Connection,
    *,
    model_id: int,
    version_id: int | None = None,
    environment: str | None = None,
    deployment_id: int | None = None,
    limit: int,
) -> list[Deployment]:
    """Newest first (by deployed_at, then by record)."""
    stmt = _SELECT.where(d.model_id == model_id)
    if version_id is not None:
        stmt = stmt.where(d.version_id == version_id)
    if environment is not None:
        stmt = stmt.where(d.environment == environment)
    if deployment_id is not None:
        stmt = stmt.where(d.id == deployment_id)
    stmt = stmt.order_by(d.deployed_at.desc(), d.id.desc()).limit(limit)
    return [_deployment(r) for r in conn.execute(stmt)]


def _deployment(row: sa.Row[Any]) -> Deployment:
    return Deployment(
        id=row.id,
        model=row.model_name,
        version=row.version,
        environment=row.environment,
        endpoint=row.endpoint,
        deployed_at=row.deployed_at,
        actor=row.actor,
        note=row.note,
        tags=json.loads(row.tags) if row.tags else {},
    )
