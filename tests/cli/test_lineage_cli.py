"""`modelyard lineage|compare|deployments` as a subprocess against a live server (SQLite and
PostgreSQL): JSON for scripts, a file export, Rich tables for people, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.artifacts.local import LocalArtifactStore
from modelyard.config import Settings
from modelyard.store.uow import UnitOfWork
from tests.helpers import LiveServer, live_server
from tests.services import story


@pytest.fixture
def server(settings: Settings, db_url: str) -> Iterator[LiveServer]:
    with live_server(data_dir=settings.data_dir, database_url=db_url) as running:
        yield running


def _cli(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env["MODELYARD_URL"] = server.url
    env["COLUMNS"] = "200"  # Rich: wide enough that table cells are not wrapped
    return subprocess.run(
        [sys.executable, "-m", "modelyard", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_lineage_compare_and_deployments(
    server: LiveServer, uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    store = LocalArtifactStore(settings.resolved_artifacts())
    try:
        story.build(uow, store)
    finally:
        store.close()

    made = _cli(
        server, "deployments", "record", "churn", "2", "--environment", "staging",
        "--endpoint", "http://stage/churn", "--tag", "region=us", "--json",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    record = json.loads(made.stdout)
    assert (record["version"], record["tags"]) == (2, {"region": "us"})
    assert record["actor"] not in ("", "anonymous")  # the CLI sends the local user
    listed = _cli(server, "deployments", "list", "churn", "--json")
    assert [(d["version"], d["environment"]) for d in json.loads(listed.stdout)] == [
        (2, "staging"),
        (1, "production"),
    ]

    shown = _cli(server, "lineage", "churn", "1", "--json")
    assert shown.returncode == 0, shown.stderr
    found = json.loads(shown.stdout)
    assert found["run"]["metrics"] == story.METRICS_A
    assert found["run"]["source_code"]["git_commit"] == "commit-0.1"
    assert [d["environment"] for d in found["deployments"]] == ["production"]
    assert found["approvals"][0]["status"] == "applied"
    out = tmp_path / "lineage.json"
    assert _cli(server, "lineage", "churn", "1", "--output", str(out)).returncode == 0
    assert json.loads(out.read_text()) == found
    table = _cli(server, "lineage", "churn", "1")
    assert table.returncode == 0, table.stderr
    for text in ("churn version 1", "champion", "churn-train", "commit-0.1", "production"):
        assert text in table.stdout

    compared = _cli(server, "compare", "churn", "1", "2", "--json")
    assert compared.returncode == 0, compared.stderr
    deltas = {m["key"]: m["delta"] for m in json.loads(compared.stdout)["metrics"]}
    assert deltas["loss"] == -0.25
    table = _cli(server, "compare", "churn", "1", "churn/2")
    assert table.returncode == 0, table.stderr
    for text in ("model.pkl", "changed", "requirements.txt", "added", "signature: differs"):
        assert text in table.stdout

    missing = _cli(server, "compare", "churn", "1", "9")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ")
    assert "version=9" in missing.stderr
    assert "Traceback" not in missing.stderr
