"""`modelyard retention` as a subprocess against a live server (SQLite and PostgreSQL): a dry
run shows and changes nothing, a real run archives or deletes, exit codes fit a CI job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import LiveServer, live_server

MLFLOW = "/api/2.0/mlflow"


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(
        data_dir=tmp_path / "data",
        database_url=db_url,
        extra_args=["--external-sources", "s3://bucket/"],
    ) as running:
        yield running


def _cli(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env.update(MODELYARD_URL=server.url, COLUMNS="100")
    return subprocess.run(
        [sys.executable, "-m", "modelyard", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _stages(http: httpx.Client) -> dict[int, str]:
    found = http.get("/model-versions/search", params={"filter": "name='m'"}).json()
    return {int(v["version"]): v["current_stage"] for v in found["model_versions"]}


def test_dry_run_archive_and_delete(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url + MLFLOW) as http:
        http.post("/registered-models/create", json={"name": "m"}).raise_for_status()
        for i in range(5):
            body = {"name": "m", "source": f"s3://bucket/{i}"}
            http.post("/model-versions/create", json=body).raise_for_status()
        body = {"name": "m", "alias": "champion", "version": "1"}
        http.post("/registered-models/alias", json=body).raise_for_status()

        dry = _cli(server, "retention", "m", "--keep", "2", "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert "would be archived" in dry.stdout
        assert "alias champion" in dry.stdout
        assert "2 version(s) would be archived." in dry.stdout
        assert set(_stages(http).values()) == {"None"}

        done = _cli(server, "retention", "m", "--keep", "2", "--json")
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert [c["version"] for c in result["changed"]] == [3, 2]
        assert _stages(http) == {5: "None", 4: "None", 3: "Archived", 2: "Archived", 1: "None"}

        gone = _cli(server, "retention", "m", "--keep", "1", "--delete", "--json")
        assert gone.returncode == 0, gone.stderr
        assert [c["version"] for c in json.loads(gone.stdout)["changed"]] == [4, 3, 2]
        assert sorted(_stages(http)) == [1, 5]

    events = httpx.get(f"{server.url}/api/v1/audit-events", params={"model": "m"}).json()
    actions = [e["action"] for e in events["events"]]
    assert actions.count("model_version.retention_archive") == 2
    assert actions.count("model_version.retention_delete") == 3
    assert {e["actor"] for e in events["events"] if "retention" in e["action"]} != {"anonymous"}


def test_errors_exit_2_with_one_line(server: LiveServer) -> None:
    missing = _cli(server, "retention", "nope", "--keep", "1")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: Registered Model with name=nope not found")
    assert "Traceback" not in missing.stderr
    negative = _cli(server, "retention", "nope", "--keep", "-1")
    assert negative.returncode == 2
    assert "--keep" in negative.stderr
