"""Helpers every registry service uses: the clock and loading a model or version or failing."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from modelyard.domain.events import ANONYMOUS, ActorLike, as_actor
from modelyard.errors import NotFound
from modelyard.store import registry, versions


def now_ms() -> int:
    return int(time.time() * 1000)


def user_id_of(actor: ActorLike) -> str | None:
    """The `user_id` stored on what an actor creates; none for an anonymous one (as MLflow)."""
    name = as_actor(actor).name
    return None if name == ANONYMOUS else name


def model_row(conn: sa.Connection, name: str, *, for_update: bool = False) -> sa.Row[Any]:
    row = registry.find_model(conn, name, for_update=for_update)
    if row is None:
        raise NotFound(f"Registered Model with name={name} not found")
    return row


def version_row(conn: sa.Connection, model: sa.Row[Any], version: int) -> sa.Row[Any]:
    row = versions.find_version(conn, model.id, version)
    if row is None:
        raise NotFound(f"Model Version (name={model.name}, version={version}) not found")
    return row
