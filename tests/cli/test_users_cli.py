"""`modelyard users|tokens|groups|permissions` as subprocesses against a live server with
`--auth` whose first admin comes from MODELYARD_ADMIN_USERNAME/PASSWORD; `users create-admin`
on a fresh data folder with no server at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modelyard.config import Settings
from modelyard.services import logins, users
from modelyard.services.system import open_unit_of_work
from tests.helpers import LiveServer, live_server

ADMIN = ("root", "root-password-1")
BOB = ("bob", "bob-password-1")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"MODELYARD_ADMIN_USERNAME": ADMIN[0], "MODELYARD_ADMIN_PASSWORD": ADMIN[1]}
    data_dir = tmp_path_factory.mktemp("auth") / "data"
    with live_server(data_dir=data_dir, extra_args=["--auth"], env=env) as running:
        # bob, and a model, made through the API: the tests below drive the CLI only.
        with httpx.Client(base_url=running.url, auth=ADMIN) as http:
            body = {"username": BOB[0], "password": BOB[1]}
            http.post("/api/2.0/mlflow/users/create", json=body).raise_for_status()
            body = {"name": "churn"}
            http.post("/api/2.0/mlflow/registered-models/create", json=body).raise_for_status()
        yield running


def _cli(
    *args: str,
    url: str | None = None,
    login: tuple[str, str] | None = None,
    token: str | None = None,
    stdin: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("MODELYARD_", "MLFLOW_TRACKING_"))
    }
    if url:
        env["MODELYARD_URL"] = url
    if login:
        env["MLFLOW_TRACKING_USERNAME"], env["MLFLOW_TRACKING_PASSWORD"] = login
    if token:
        env["MODELYARD_TOKEN"] = token
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "modelyard", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _admin(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    return _cli(*args, url=server.url, login=ADMIN)


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_create_admin_works_offline_on_a_fresh_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    args = ("users", "create-admin", "alice", "--data-dir", str(data_dir), "--password-stdin")
    done = _cli(*args, stdin="pw-alice-1\n")
    assert "admin user 'alice' created" in _ok(done)
    # MODELYARD_ADMIN_PASSWORD is the other way in for scripts.
    env = {"MODELYARD_ADMIN_PASSWORD": "pw-carol-1"}
    args = ("users", "create-admin", "carol", "--data-dir", str(data_dir))
    _ok(_cli(*args, extra_env=env))
    again = _cli(*args, extra_env=env)
    assert "already exists" in _one_error_line(again)
    # Without a terminal, no stdin flag and no variable: refused, nothing asked.
    refused = _cli("users", "create-admin", "dave", "--data-dir", str(data_dir))
    assert "--password-stdin" in _one_error_line(refused)

    uow = open_unit_of_work(Settings(database_url=f"sqlite:///{data_dir / 'modelyard.db'}"))
    try:
        assert {(u.username, u.is_admin) for u in users.list_users(uow)} == {
            ("alice", True),
            ("carol", True),
        }
        limits = logins.LoginLimits()
        who = logins.authenticate(uow, logins.Credentials("alice", "pw-alice-1", "t"), limits)
        assert who.is_admin
    finally:
        uow.dispose()


def test_without_credentials_one_line_and_exit_2(server: LiveServer) -> None:
    done = _cli("users", "list", url=server.url)
    assert done.returncode == 2
    assert "Authentication required" in _one_error_line(done)


def test_users_create_list_get_and_refusals(server: LiveServer) -> None:
    created = _cli("users", "create", "erin", "--password-stdin", "--json",
                   stdin="erin-pw-1\n", url=server.url, login=ADMIN)  # fmt: skip
    assert json.loads(_ok(created))["username"] == "erin"
    listed = json.loads(_ok(_admin(server, "users", "list", "--json")))
    assert {u["username"] for u in listed} >= {"root", "bob", "erin"}
    assert "erin" in _ok(_admin(server, "users", "get", "erin"))

    # erin changes her own password and signs in with the new one.
    _ok(_cli("users", "set-password", "erin", "--password-stdin", stdin="erin-pw-2\n",
             url=server.url, login=("erin", "erin-pw-1")))  # fmt: skip
    who = _cli("users", "whoami", url=server.url, login=("erin", "erin-pw-2"))
    assert _ok(who).strip() == "erin, password login"
    # A non-admin is refused admin work: exit 1, one line.
    refused = _cli("users", "list", url=server.url, login=("erin", "erin-pw-2"))
    assert refused.returncode == 1
    assert "Only an admin" in _one_error_line(refused)
    _ok(_admin(server, "users", "delete", "erin"))
    gone = _admin(server, "users", "get", "erin")
    assert "not found" in _one_error_line(gone)


def test_token_created_by_the_cli_works_until_revoked(server: LiveServer) -> None:
    created = _cli("tokens", "create", "--name", "ci", "--scope", "read", "--json",
                   url=server.url, login=BOB)  # fmt: skip
    answer = json.loads(_ok(created))
    secret, token_id = answer["secret"], answer["token"]["id"]
    assert secret.startswith("myd_")

    listed = json.loads(_ok(_cli("tokens", "list", "--json", url=server.url, token=secret)))
    assert "ci" in {t["name"] for t in listed}
    assert all(t["username"] == "bob" for t in listed)
    assert secret not in json.dumps(listed)  # listings never hold secrets
    assert "token scope read" in _ok(_cli("users", "whoami", url=server.url, token=secret))

    # A read token may not revoke (it may not change anything); its owner may.
    refused = _cli("tokens", "revoke", str(token_id), url=server.url, token=secret)
    assert refused.returncode == 1
    assert "does not allow changes" in _one_error_line(refused)
    revoked = _cli("tokens", "revoke", str(token_id), url=server.url, login=BOB)
    assert f"token {token_id} revoked" in _ok(revoked)
    after = _cli("tokens", "list", url=server.url, token=secret)
    assert after.returncode != 0
    assert _one_error_line(after) == "error: Invalid, expired or revoked token."
    assert secret not in server.log_path.read_text()


def test_token_create_prints_the_secret_once_with_a_note(server: LiveServer) -> None:
    done = _cli("tokens", "create", "--name", "once", "--no-expiry", url=server.url, login=BOB)
    out = _ok(done)
    assert "expires never" in out
    assert any(line.startswith("myd_") for line in out.splitlines())
    assert "not shown again" in done.stderr


def test_groups_add_list_remove(server: LiveServer) -> None:
    _ok(_admin(server, "groups", "create", "ml-leads"))
    _ok(_admin(server, "groups", "add", "ml-leads", "bob"))
    listed = json.loads(_ok(_cli("groups", "list", "--json", url=server.url, login=BOB)))
    assert {"name": "ml-leads", "members": ["bob"]} in listed
    _ok(_admin(server, "groups", "remove", "ml-leads", "bob"))
    assert "bob" not in _ok(_admin(server, "groups", "list"))
    _ok(_admin(server, "groups", "delete", "ml-leads"))
    assert "ml-leads" not in _ok(_admin(server, "groups", "list"))


def test_permissions_grant_show_revoke(server: LiveServer) -> None:
    on = ("--model", "churn", "--user", "bob")
    assert "no grant" in _ok(_admin(server, "permissions", "show", *on))
    assert "EDIT" in _ok(_admin(server, "permissions", "grant", *on, "--permission", "edit"))
    # Granting again replaces it.
    _ok(_admin(server, "permissions", "grant", *on, "--permission", "MANAGE"))
    shown = json.loads(_ok(_admin(server, "permissions", "show", *on, "--json")))
    assert shown["permission"] == "MANAGE"
    # bob sees his own grants.
    mine = _cli("permissions", "show", "--user", "bob", "--json", url=server.url, login=BOB)
    grants = json.loads(_ok(mine))["registered_model_permissions"]
    assert [(g["name"], g["permission"]) for g in grants] == [("churn", "MANAGE")]
    _ok(_admin(server, "permissions", "revoke", *on))
    assert json.loads(_ok(_admin(server, "permissions", "show", *on, "--json"))) is None
    bad = _admin(server, "permissions", "grant", *on, "--permission", "BOSS")
    assert "Invalid permission" in _one_error_line(bad)
