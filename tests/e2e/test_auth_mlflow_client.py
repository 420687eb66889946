"""A live server with `--auth`: the real mlflow client signs in with basic auth
(MLFLOW_TRACKING_USERNAME/PASSWORD) and with a token (MLFLOW_TRACKING_TOKEN); MLflow's
basic-auth admin client manages users and permissions; searches show only what the user may
read; the audit trail names the signed-in user; failed logins are rate-limited; no secret
ever reaches the server's log. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException, RestException
from mlflow.server.auth.client import AuthServiceClient

from tests.helpers import LiveServer, free_port, live_server

ADMIN_PASSWORD = "admin-secret-password-42"
ALICE_PASSWORD = "alice-secret-password-42"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def secured(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp(f"auth-{request.param}")
    database_url = None
    if request.param == "postgresql":
        make: Callable[[], str] = request.getfixturevalue("new_postgres_database")
        database_url = make()
    env = {
        "MODELYARD_ADMIN_USERNAME": "admin",
        "MODELYARD_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "MODELYARD_LOGIN_MAX_FAILURES": "3",
    }
    with live_server(
        data_dir=data_dir, database_url=database_url, extra_args=["--auth"], env=env
    ) as running:
        yield running


def _client(monkeypatch: pytest.MonkeyPatch, url: str, **env: str) -> MlflowClient:
    for key in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return MlflowClient(tracking_uri=url, registry_uri=url)


def _as_admin(monkeypatch: pytest.MonkeyPatch, url: str) -> AuthServiceClient:
    _client(
        monkeypatch, url, MLFLOW_TRACKING_USERNAME="admin", MLFLOW_TRACKING_PASSWORD=ADMIN_PASSWORD
    )
    return AuthServiceClient(url)


def test_mlflow_client_with_basic_and_bearer_auth(
    secured: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = secured.url
    admin = _as_admin(monkeypatch, url)
    alice = admin.create_user("alice", ALICE_PASSWORD)
    assert alice.username == "alice"
    assert not alice.is_admin
    admin.create_user("bob", "bob-secret-password-42")

    # No credentials: refused.
    anonymous = _client(monkeypatch, url)
    with pytest.raises(MlflowException, match="Authentication required"):
        anonymous.search_registered_models()

    # Basic auth: alice creates a model and so manages it.
    as_alice = _client(
        monkeypatch, url, MLFLOW_TRACKING_USERNAME="alice", MLFLOW_TRACKING_PASSWORD=ALICE_PASSWORD
    )
    as_alice.create_registered_model("fraud", tags={"team": "risk"})
    assert [m.name for m in as_alice.search_registered_models()] == ["fraud"]

    # A token of alice's (made through modelyard's API with her password), sent as bearer.
    made = httpx.post(
        f"{url}/api/v1/tokens",
        json={"name": "ci", "scope": "write", "expires_in_days": 1},
        auth=("alice", ALICE_PASSWORD),
    )
    assert made.status_code == 200, made.text
    secret = made.json()["secret"]
    with_token = _client(monkeypatch, url, MLFLOW_TRACKING_TOKEN=secret)
    with_token.set_registered_model_tag("fraud", "owner", "alice")
    assert with_token.get_registered_model("fraud").tags["owner"] == "alice"

    # bob, with the default READ, sees it but may not change it.
    as_bob = _client(
        monkeypatch,
        url,
        MLFLOW_TRACKING_USERNAME="bob",
        MLFLOW_TRACKING_PASSWORD="bob-secret-password-42",
    )
    assert as_bob.get_registered_model("fraud").name == "fraud"
    with pytest.raises(RestException, match="lacks MANAGE") as denied:
        as_bob.delete_registered_model("fraud")
    assert denied.value.error_code == "PERMISSION_DENIED"

    # MLflow's permission endpoints (mlflow 3.17's admin client no longer wraps them; scripts
    # written for earlier ones call them as here): deny bob, and search no longer shows him it.
    permissions = f"{url}/api/2.0/mlflow/registered-models/permissions"
    as_root = ("admin", ADMIN_PASSWORD)
    grant = {"name": "fraud", "username": "bob", "permission": "NO_PERMISSIONS"}
    granted = httpx.post(f"{permissions}/create", json=grant, auth=as_root).json()
    assert granted["registered_model_permission"]["permission"] == "NO_PERMISSIONS"
    shown = httpx.get(
        f"{permissions}/get", params={"name": "fraud", "username": "bob"}, auth=as_root
    ).json()
    assert shown["registered_model_permission"]["permission"] == "NO_PERMISSIONS"
    as_bob = _client(
        monkeypatch,
        url,
        MLFLOW_TRACKING_USERNAME="bob",
        MLFLOW_TRACKING_PASSWORD="bob-secret-password-42",
    )
    assert as_bob.search_registered_models() == []
    with pytest.raises(RestException, match="lacks READ") as hidden:
        as_bob.get_registered_model("fraud")
    assert hidden.value.error_code == "PERMISSION_DENIED"
    grant["permission"] = "EDIT"
    assert httpx.patch(f"{permissions}/update", json=grant, auth=as_root).is_success
    as_bob = _client(
        monkeypatch,
        url,
        MLFLOW_TRACKING_USERNAME="bob",
        MLFLOW_TRACKING_PASSWORD="bob-secret-password-42",
    )
    as_bob.update_registered_model("fraud", description="edited by bob")

    # Revoked: the token stops working at once.
    token_id = made.json()["token"]["id"]
    revoked = httpx.delete(f"{url}/api/v1/tokens/{token_id}", auth=("alice", ALICE_PASSWORD))
    assert revoked.status_code == 200
    with_token = _client(monkeypatch, url, MLFLOW_TRACKING_TOKEN=secret)
    with pytest.raises(MlflowException, match="Invalid, expired or revoked token"):
        with_token.get_registered_model("fraud")

    # The audit trail names who did what, from their credentials.
    events = httpx.get(
        f"{url}/api/v1/audit-events", params={"model": "fraud"}, auth=("admin", ADMIN_PASSWORD)
    ).json()["events"]
    actors = {(e["action"], e["actor"]) for e in events}
    assert ("registered_model.create", "alice") in actors
    assert ("registered_model.update", "bob") in actors
    assert ("permission.set", "admin") in actors

    # Secrets never reach the log.
    log = secured.log_path.read_text()
    for secret_text in (ADMIN_PASSWORD, ALICE_PASSWORD, "bob-secret-password-42", secret):
        assert secret_text not in log


def test_failed_logins_are_rate_limited(secured: LiveServer) -> None:
    url = f"{secured.url}/api/2.0/mlflow/registered-models/search"
    created = httpx.post(
        f"{secured.url}/api/2.0/mlflow/users/create",
        json={"username": "carol", "password": "carol-password-42"},
        auth=("admin", ADMIN_PASSWORD),
    )
    assert created.status_code == 200, created.text
    for _ in range(3):  # MODELYARD_LOGIN_MAX_FAILURES=3
        wrong = httpx.get(url, auth=("carol", "wrong-password-1"))
        assert wrong.status_code == 401
        assert "Invalid username or password" in wrong.json()["message"]
    # Locked out: even the right password is refused until the window ends.
    locked = httpx.get(url, auth=("carol", "carol-password-42"))
    assert locked.status_code == 401
    assert "Too many failed logins" in locked.json()["message"]
    assert "wrong-password-1" not in secured.log_path.read_text()
    # Another user from the same address is not locked out.
    assert httpx.get(url, auth=("admin", ADMIN_PASSWORD)).status_code == 200


def test_four_eyes_by_identity(secured: LiveServer) -> None:
    api = f"{secured.url}/api"
    for user in ("dora", "erin"):
        made = httpx.post(
            f"{api}/2.0/mlflow/users/create",
            json={"username": user, "password": f"{user}-password-42"},
            auth=("admin", ADMIN_PASSWORD),
        )
        assert made.status_code == 200
    dora, erin = ("dora", "dora-password-42"), ("erin", "erin-password-42")
    assert httpx.post(
        f"{api}/2.0/mlflow/registered-models/create", json={"name": "churn"}, auth=dora
    ).is_success
    # Versions reference files elsewhere: this server lists no external sources, so use a run.
    exp = httpx.post(f"{api}/2.0/mlflow/experiments/create", json={"name": "x"}, auth=dora).json()
    run = httpx.post(
        f"{api}/2.0/mlflow/runs/create", json={"experiment_id": exp["experiment_id"]}, auth=dora
    ).json()["run"]["info"]
    put = httpx.put(
        f"{api}/2.0/mlflow-artifacts/artifacts/{exp['experiment_id']}/{run['run_id']}/artifacts/m/MLmodel",
        content=b"flavors: {}\n",
        auth=dora,
    )
    assert put.is_success, put.text
    version = httpx.post(
        f"{api}/2.0/mlflow/model-versions/create",
        json={"name": "churn", "source": f"runs:/{run['run_id']}/m", "run_id": run["run_id"]},
        auth=dora,
    )
    assert version.is_success, version.text
    policy = {"rules": [{"stage": "Production", "approvals": {"count": 1, "groups": ["leads"]}}]}
    assert httpx.post(
        f"{api}/v1/groups", json={"name": "leads"}, auth=("admin", ADMIN_PASSWORD)
    ).is_success
    for member in ("dora", "erin"):
        assert httpx.put(
            f"{api}/v1/groups/leads/members/{member}", auth=("admin", ADMIN_PASSWORD)
        ).is_success
    assert httpx.put(f"{api}/v1/models/churn/policy", json={"policy": policy}, auth=dora).is_success
    asked = httpx.post(
        f"{api}/v1/approvals",
        json={"model": "churn", "version": 1, "stage": "Production"},
        auth=dora,
    )
    assert asked.is_success, asked.text
    request_id = asked.json()["request"]["id"]
    # dora may not approve her own request, however the header claims otherwise.
    own = httpx.post(
        f"{api}/v1/approvals/{request_id}/approve",
        json={},
        auth=dora,
        headers={"X-Modelyard-User": "erin"},
    )
    assert own.status_code == 403, own.text
    approved = httpx.post(f"{api}/v1/approvals/{request_id}/approve", json={}, auth=erin)
    assert approved.is_success, approved.text
    stage = httpx.get(
        f"{api}/2.0/mlflow/model-versions/get", params={"name": "churn", "version": "1"}, auth=erin
    ).json()["model_version"]["current_stage"]
    assert stage == "Production"


def test_non_loopback_without_auth_refuses_to_start(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "modelyard", "server", "--host", "0.0.0.0"]
    args += ["--port", str(free_port()), "--data-dir", str(tmp_path)]
    refused = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "without authentication" in refused.stderr


def test_local_mode_is_announced(tmp_path: Path) -> None:
    with live_server(data_dir=tmp_path) as running:
        assert "LOCAL MODE: no login" in running.log_path.read_text()
