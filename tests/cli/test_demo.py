"""`modelyard demo` as a new user runs it: a subprocess that starts its own server (or uses
`--url`), tells the whole lifecycle, and leaves the registry in the state it narrates."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port, live_server, wait_until

pytestmark = pytest.mark.e2e

# What the narration must show, in this order: the policy's refusal with its failed check, the
# approval, the aliases, the prediction, the rollbacks and the intact audit chain.
STORY = [
    "1. Train two models",
    "baseline: registered as version 1",
    "candidate: registered as version 2",
    "stored policy version 1 for model",
    "refused (PERMISSION_DENIED, HTTP 403)",
    "- metric test_accuracy: required >= 0.95, actual 0.937063",
    "Nothing changed: the version stays in stage None.",
    "version 2 is now in stage Staging",
    "alice: request 1 is pending",
    "bob approves: request 1 is applied",
    "the mlflow client sees version 2 in stage Production",
    "accuracy on all 143 held-out rows: 0.986 (version 2 logged 0.986)",
    "champion -> version 1",
    "champion -> version 2",
    "request 1: stage Production, applied (asked by alice, approved by bob)",
    "hash chain intact",
    "Where to look next",
]


def _demo(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MODELYARD_"))}
    # TMPDIR: the embedded server's folder lands where the test can see it go.
    env |= {"COLUMNS": "200", "TMPDIR": str(tmp), "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"}
    return subprocess.run(
        [sys.executable, "-m", "modelyard", "demo", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        timeout=120,
        check=False,
    )


def _in_order(text: str, parts: list[str]) -> None:
    at = 0
    for part in parts:
        found = text.find(part, at)
        assert found >= 0, f"{part!r} missing (after offset {at}) in:\n{text}"
        at = found + len(part)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_demo_tells_the_lifecycle_and_stops_its_server(tmp_path: Path) -> None:
    done = _demo(tmp=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    _in_order(done.stdout, STORY)
    assert "Stopped the demo server and removed its folder." in done.stdout
    url = re.search(r"Started a modelyard server at (http://127\.0\.0\.1:\d+)", done.stdout)
    assert url is not None, done.stdout
    assert not _answers(url.group(1))
    assert list(tmp_path.glob("modelyard-demo-*")) == []
    for chatter in ("View run", "Successfully registered model", "Waiting up to"):
        assert chatter not in done.stdout + done.stderr  # mlflow's, not the narration's


def test_demo_keep_leaves_the_server_running(tmp_path: Path) -> None:
    done = _demo("--keep", "--model", "kept", tmp=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    found = re.search(r"keeps running at (http://\S+) \(pid (\d+)\)", done.stdout)
    assert found is not None, done.stdout
    url, pid = found.group(1), int(found.group(2))
    try:
        assert f"export MODELYARD_URL={url}" in done.stdout
        champion = httpx.get(
            f"{url}/api/2.0/mlflow/registered-models/alias",
            params={"name": "kept", "alias": "champion"},
        )
        assert champion.json()["model_version"]["version"] == "2"
    finally:
        os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not _answers(url), timeout=20, what="the kept server to stop")
    assert len(list(tmp_path.glob("modelyard-demo-*"))) == 1  # its data stays, as printed


def test_demo_uses_a_running_server_and_a_free_model_name(tmp_path: Path) -> None:
    with live_server(data_dir=tmp_path / "server") as server:
        taken = httpx.post(
            f"{server.url}/api/2.0/mlflow/registered-models/create", json={"name": "breast-cancer"}
        )
        assert taken.status_code == 200, taken.text
        done = _demo("--url", server.url, tmp=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "registered_model_name='breast-cancer-2'" in done.stdout
        api = f"{server.url}/api/2.0/mlflow"
        versions = httpx.get(
            f"{api}/model-versions/search", params={"filter": "name = 'breast-cancer-2'"}
        ).json()["model_versions"]
        state = {v["version"]: (v["current_stage"], sorted(v.get("aliases", []))) for v in versions}
        assert state == {"1": ("None", ["challenger"]), "2": ("Production", ["champion"])}
        events = httpx.get(
            f"{server.url}/api/v1/audit-events", params={"model": "breast-cancer-2"}
        ).json()["events"]
        actors = {(e["actor"], e["action"]) for e in events}
        assert {("bob", "approval.approve"), ("alice", "registered_model.rollback")} <= actors
        assert _answers(server.url)  # a server the demo did not start is left alone
        assert list(tmp_path.glob("modelyard-demo-*")) == []


def test_demo_with_an_unreachable_url_fails_in_one_line(tmp_path: Path) -> None:
    done = _demo("--url", f"http://127.0.0.1:{free_port()}", tmp=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: no modelyard server answers at {done.args[-1]}/health"
    ]
