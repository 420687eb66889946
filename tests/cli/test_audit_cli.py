"""`modelyard audit|history|rollback` as a subprocess against a live server (SQLite and
PostgreSQL): rollback after two promotions; verify exits 1 naming the tampered event."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

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
    env["MODELYARD_URL"] = server.url
    return subprocess.run(
        [sys.executable, "-m", "modelyard", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _promote_twice(url: str) -> None:
    with httpx.Client(base_url=url + MLFLOW, headers={"X-Modelyard-User": "ann"}) as http:
        http.post("/registered-models/create", json={"name": "m"}).raise_for_status()
        for i in ("1", "2"):
            body = {"name": "m", "source": f"s3://bucket/{i}"}
            http.post("/model-versions/create", json=body).raise_for_status()
            body = {"name": "m", "alias": "champion", "version": i}
            http.post("/registered-models/alias", json=body).raise_for_status()
            body = {"name": "m", "version": i, "stage": "Production"}
            http.post("/model-versions/transition-stage", json=body).raise_for_status()


def test_history_rollback_list_export_verify(
    server: LiveServer, db_url: str, tmp_path: Path
) -> None:
    _promote_twice(server.url)

    shown = _cli(server, "history", "m", "--alias", "champion", "--json")
    assert shown.returncode == 0, shown.stderr
    assert [h["version"] for h in json.loads(shown.stdout)] == [2, 1]

    done = _cli(server, "rollback", "m", "--alias", "champion", "--json")
    assert done.returncode == 0, done.stderr
    assert [v["version"] for v in json.loads(done.stdout)] == ["1"]
    done = _cli(server, "rollback", "m", "--stage", "Production")
    assert done.returncode == 0, done.stderr
    assert "version 2: stage None" in done.stdout
    refused = _cli(server, "rollback", "m", "--alias", "nobody")
    assert refused.returncode != 0
    assert "no earlier version" in refused.stderr

    listed = _cli(server, "audit", "list", "--model", "m", "--json")
    events = json.loads(listed.stdout)
    assert events[0]["action"] == "registered_model.rollback"
    assert events[0]["actor"]  # the CLI sends the local user
    assert events[0]["actor"] != "anonymous"
    assert _cli(server, "audit", "list").returncode == 0  # the table

    out = tmp_path / "audit.jsonl"
    assert _cli(server, "audit", "export", "--output", str(out)).returncode == 0
    assert len(out.read_text().splitlines()) == len(events)

    ok = _cli(server, "audit", "verify")
    assert (ok.returncode, ok.stdout.strip()) == (0, f"audit chain OK: {len(events)} events")

    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE audit_events SET actor = 'mallory' WHERE seq = 4")
    finally:
        engine.dispose()
    bad = _cli(server, "audit", "verify")
    assert bad.returncode == 1
    assert "BROKEN at event 4" in bad.stderr
