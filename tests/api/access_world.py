"""A server with access control on, three users and one of everything, for the access tests.

alice creates everything (so she MANAGEs it); bob holds no grant; admin is an admin. They
authenticate with tokens, which cost no password hashing per request; passwords are hashed
once per test session.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from fastapi.testclient import TestClient

from modelyard.api.app import create_app
from modelyard.config import Settings
from modelyard.domain import credentials
from modelyard.services import users
from modelyard.services.common import now_ms
from modelyard.services.system import open_unit_of_work
from modelyard.store import users as user_store

PASSWORD = "correct horse battery"


@cache
def password_hash() -> str:
    return credentials.hash_password(PASSWORD)


def basic(username: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    client: TestClient
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)
    experiment_id: str = ""
    run_id: str = ""
    logged_model_id: str = ""
    request_id: int = 0
    token_ids: dict[str, int] = field(default_factory=dict)

    def as_(self, who: str) -> dict[str, str]:
        return bearer(self.tokens[who])

    def call(self, who: str | None, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**kwargs.pop("headers", {}), **(self.as_(who) if who else {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def ok(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(who, method, path, **kwargs)
        assert response.status_code == 200, (method, path, response.text)
        return response.json() if response.content else None


def add_users(settings: Settings, world: World) -> None:
    uow = open_unit_of_work(settings)
    try:
        with uow.write() as conn:
            for name in ("admin", "alice", "bob"):
                user_store.insert_user(
                    conn,
                    username=name,
                    password_hash=password_hash(),
                    is_admin=name == "admin",
                    now=now_ms(),
                )
        for who, owner, scope in (
            ("admin", "admin", "admin"),
            ("alice", "alice", "write"),
            ("bob", "bob", "write"),
            ("bob-read", "bob", "read"),
            ("alice-read", "alice", "read"),
        ):
            token, secret = users.create_token(
                uow, username=owner, name=who, scope=scope, expires_in_days=1
            )
            world.tokens[who] = secret
            world.token_ids[who] = token.id
    finally:
        uow.dispose()


API = "/api/2.0/mlflow"


def populate(world: World) -> None:
    """As alice: an experiment with a run (with a file) and a logged model, a registered model
    `m` with version 1 from the run, alias champion, a policy asking approval for Production
    and a pending approval request."""
    w = world
    w.experiment_id = w.ok("alice", "POST", f"{API}/experiments/create", json={"name": "e"})[
        "experiment_id"
    ]
    run = w.ok("alice", "POST", f"{API}/runs/create", json={"experiment_id": w.experiment_id})
    w.run_id = run["run"]["info"]["run_id"]
    w.ok(
        "alice",
        "PUT",
        f"/api/2.0/mlflow-artifacts/artifacts/{w.experiment_id}/{w.run_id}/artifacts/model/MLmodel",
        content=b"flavors: {}\n",
    )
    lm = w.ok("alice", "POST", f"{API}/logged-models", json={"experiment_id": w.experiment_id})
    w.logged_model_id = lm["model"]["info"]["model_id"]
    w.ok("alice", "POST", f"{API}/registered-models/create", json={"name": "m"})
    w.ok(
        "alice",
        "POST",
        f"{API}/model-versions/create",
        json={"name": "m", "source": f"runs:/{w.run_id}/model", "run_id": w.run_id},
    )
    w.ok(
        "alice",
        "POST",
        f"{API}/registered-models/alias",
        json={"name": "m", "alias": "champion", "version": "1"},
    )
    policy = {"rules": [{"stage": "Production", "approvals": 1}, {"alias": "prod", "approvals": 1}]}
    w.ok("alice", "PUT", "/api/v1/models/m/policy", json={"policy": policy})
    req = w.ok(
        "alice",
        "POST",
        "/api/v1/approvals",
        json={"model": "m", "version": 1, "stage": "Production"},
    )
    w.request_id = req["request"]["id"]
    # Something for each delete endpoint to delete.
    w.ok(
        "alice",
        "POST",
        f"{API}/registered-models/set-tag",
        json={"name": "m", "key": "k", "value": "v"},
    )
    version_tag = {"name": "m", "version": "1", "key": "k", "value": "v"}
    w.ok("alice", "POST", f"{API}/model-versions/set-tag", json=version_tag)
    experiment_tag = {"experiment_id": w.experiment_id, "key": "k", "value": "v"}
    w.ok("alice", "POST", f"{API}/experiments/set-experiment-tag", json=experiment_tag)
    w.ok(
        "alice", "POST", f"{API}/runs/set-tag", json={"run_id": w.run_id, "key": "k", "value": "v"}
    )
    metric = {"run_id": w.run_id, "key": "a", "value": 1.0, "timestamp": 1, "step": 0}
    w.ok("alice", "POST", f"{API}/runs/log-metric", json=metric)
    lm_tags = {"tags": [{"key": "k", "value": "v"}]}
    w.ok("alice", "PATCH", f"{API}/logged-models/{w.logged_model_id}/tags", json=lm_tags)
    w.ok("admin", "POST", "/api/v1/groups", json={"name": "leads"})
    w.ok("admin", "PUT", "/api/v1/groups/leads/members/alice")


@contextmanager
def auth_world(settings: Settings, **overrides: Any) -> Iterator[World]:
    secured = settings.model_copy(update={"auth": True, **overrides})
    with TestClient(create_app(secured)) as client:
        world = World(client, secured)
        add_users(secured, world)
        populate(world)
        yield world
