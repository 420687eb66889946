"""`modelyard server` and `modelyard db` as a user runs them: defaults in a fresh folder, settings
from flags and from MODELYARD_* variables, and the schema commands."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from modelyard.config import Settings
from modelyard.store.migrate import head_revision
from tests.helpers import free_port, wait_until

pytestmark = pytest.mark.e2e

SETTINGS = {
    "--host": "MODELYARD_HOST",
    "--port": "MODELYARD_PORT",
    "--workers": "MODELYARD_WORKERS",
    "--database-url": "MODELYARD_DATABASE_URL",
    "--artifacts": "MODELYARD_ARTIFACTS",
    "--data-dir": "MODELYARD_DATA_DIR",
}


def _environment(**settings: str) -> dict[str, str]:
    """This process's environment without MODELYARD_* variables, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    # Wide enough that rich never wraps an option's help text in `--help` output.
    env["COLUMNS"] = "250"
    return {**env, **settings}


def _modelyard(*args: str, cwd: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelyard", *args],
        cwd=cwd,
        env=_environment(**settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@dataclass
class Started:
    url: str
    log: Path

    def banner(self) -> str:
        return self.log.read_text()


@contextlib.contextmanager
def _server(*args: str, cwd: Path, port: int, **settings: str) -> Iterator[Started]:
    """`modelyard server <args>` in `cwd`, stopped afterwards; waits for /health."""
    log = cwd / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "modelyard", "server", *args],
            cwd=cwd,
            env=_environment(**settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        started = Started(url=f"http://127.0.0.1:{port}", log=log)

        def healthy() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()}")
            return httpx.get(f"{started.url}/health", timeout=1).status_code == 200

        try:
            wait_until(healthy, timeout=30, what=f"{started.url}/health")
            yield started
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def _create_model(url: str, name: str) -> dict[str, object]:
    response = httpx.post(
        f"{url}/api/2.0/mlflow/registered-models/create", json={"name": name}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_default_settings_listen_on_loopback_port_5000(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("MODELYARD_"):
            monkeypatch.delenv(key)
    settings = Settings()
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 5000, 1)
    assert settings.data_dir == Path("modelyard-data")
    assert settings.database_url is None


def test_server_with_no_options_uses_sqlite_wal_in_the_current_folder(tmp_path: Path) -> None:
    port = free_port()
    # Only the port comes from outside (MODELYARD_PORT, a documented setting); 5000 may be taken.
    with _server(cwd=tmp_path, port=port, MODELYARD_PORT=str(port)) as server:
        health = httpx.get(f"{server.url}/health", timeout=5)
        assert health.headers["content-type"].startswith("application/json")
        assert health.json()["status"] == "ok"
        _create_model(server.url, "defaults")
        banner = server.banner()

    data = tmp_path / "modelyard-data"
    database = data / "modelyard.db"
    assert database.is_file()
    with contextlib.closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT name FROM registered_models").fetchall() == [("defaults",)]
    assert f"http://127.0.0.1:{port}" in banner
    assert f"database sqlite:///{database.resolve()}" in banner
    assert f"artifacts {(data / 'artifacts').resolve()}" in banner


def test_db_upgrade_creates_the_schema_and_db_current_prints_the_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    before = _modelyard("db", "current", "--database-url", url, cwd=tmp_path)
    assert before.returncode == 0, before.stderr
    assert before.stdout.strip() == "empty (no schema yet)"

    upgraded = _modelyard("db", "upgrade", "--database-url", url, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.strip() == f"database at revision {head_revision()}"

    # The same through the environment variable.
    current = _modelyard("db", "current", cwd=tmp_path, MODELYARD_DATABASE_URL=url)
    assert current.returncode == 0, current.stderr
    assert current.stdout.strip() == head_revision()
    with contextlib.closing(sqlite3.connect(tmp_path / "cli.db")) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"registered_models", "model_versions", "alembic_version"} <= tables


def test_server_help_lists_every_flag_with_its_environment_variable(tmp_path: Path) -> None:
    result = _modelyard("server", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for flag, variable in SETTINGS.items():
        [line] = [line for line in lines if line.strip("│ ").startswith(f"{flag} ")]
        assert f"env var: {variable}" in line, line


def test_environment_variables_configure_the_server(tmp_path: Path) -> None:
    port = free_port()
    database = tmp_path / "env" / "registry.db"
    artifacts = tmp_path / "env-artifacts"
    environment = {
        "MODELYARD_HOST": "127.0.0.1",
        "MODELYARD_PORT": str(port),
        "MODELYARD_WORKERS": "2",
        "MODELYARD_DATABASE_URL": f"sqlite:///{database}",
        "MODELYARD_ARTIFACTS": str(artifacts),
    }
    with _server(cwd=tmp_path, port=port, **environment) as server:
        _create_model(server.url, "from-env")
        banner = server.banner()

    assert f"on http://127.0.0.1:{port} (2 worker(s))" in banner
    assert f"artifacts {artifacts}" in banner
    with contextlib.closing(sqlite3.connect(database)) as conn:
        assert conn.execute("SELECT name FROM registered_models").fetchall() == [("from-env",)]
    assert not (tmp_path / "modelyard-data").exists()


def test_flags_override_environment_variables(tmp_path: Path) -> None:
    port = free_port()
    flag_db, env_db = tmp_path / "flag.db", tmp_path / "env.db"
    flags = ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    flags += ["--database-url", f"sqlite:///{flag_db}", "--artifacts", str(tmp_path / "flag-art")]
    environment = {
        "MODELYARD_HOST": "0.0.0.0",
        "MODELYARD_PORT": str(free_port()),
        "MODELYARD_WORKERS": "3",
        "MODELYARD_DATABASE_URL": f"sqlite:///{env_db}",
        "MODELYARD_ARTIFACTS": str(tmp_path / "env-art"),
    }
    with _server(*flags, cwd=tmp_path, port=port, **environment) as server:
        _create_model(server.url, "from-flags")
        banner = server.banner()

    assert f"on http://127.0.0.1:{port} (1 worker(s))" in banner
    assert f"artifacts {tmp_path / 'flag-art'}" in banner
    assert flag_db.is_file()
    assert not env_db.exists()
