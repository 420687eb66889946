"""Every script in examples/ runs as a user runs it, a subprocess pointed at a live server by
MLFLOW_TRACKING_URI and MODELYARD_URL, and leaves the registry as its page says."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import LiveServer, live_server

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TESTED = {
    "register_models.py",
    "stage_transitions.py",
    "champion_challenger.py",
    "lineage_report.py",
    "compare_versions.py",
    "archive_old_versions.py",
    "promotion_with_approval.py",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(data_dir=tmp_path_factory.mktemp("examples")) as running:
        yield running


def _run(server: LiveServer, script: str, *args: str, cwd: Path) -> str:
    # A fresh shell's environment, pointed at the server the way the examples' pages say.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MODELYARD_"))}
    env |= {
        "MLFLOW_TRACKING_URI": server.url,
        "MODELYARD_URL": server.url,
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    }
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _versions(server: LiveServer, name: str) -> dict[str, dict[str, Any]]:
    found = httpx.get(
        f"{server.url}/api/2.0/mlflow/model-versions/search", params={"filter": f"name = '{name}'"}
    ).json()["model_versions"]
    return {v["version"]: v for v in found}


def test_every_example_is_tested_and_has_a_page() -> None:
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts == TESTED
    readme = (ROOT / "README.md").read_text()
    for script in scripts:
        page = f"docs/examples/{script.removesuffix('.py')}.md"
        assert (ROOT / page).is_file(), f"{script} has no page {page}"
        assert f"({page})" in readme, f"README.md does not link {page}"
        assert f"examples/{script}" in (ROOT / page).read_text()


def test_register_models(server: LiveServer, tmp_path: Path) -> None:
    out = _run(server, "register_models.py", cwd=tmp_path)
    assert "registered while logging: wine-classifier version 1" in out
    assert re.search(r"registered from run \w+ \(C=0.1, test_accuracy=1.000\): .* version 2", out)
    v2 = _versions(server, "wine-classifier")["2"]
    assert v2["description"] == "best of 2 runs by test_accuracy"
    assert {"key": "selected_by", "value": "test_accuracy"} in v2["tags"]


def test_stage_transitions(server: LiveServer, tmp_path: Path) -> None:
    out = _run(server, "stage_transitions.py", cwd=tmp_path)
    assert "version 1 -> Staging refused: PERMISSION_DENIED" in out
    assert "tag validated: required 'true', actual absent" in out
    assert "version 1 is now in Production" in out
    v1 = _versions(server, "wine-stages")["1"]
    assert v1["current_stage"] == "Production"
    assert {"key": "validated", "value": "true"} in v1["tags"]


def test_champion_challenger(server: LiveServer, tmp_path: Path) -> None:
    out = _run(server, "champion_challenger.py", cwd=tmp_path)
    assert "champion -> version 1, challenger -> version 2" in out
    served = re.findall(r"(champion|challenger) \(version \d\) answered (\d+) requests", out)
    assert {alias for alias, _ in served} == {"champion", "challenger"}
    assert sum(int(n) for _, n in served) == 54  # every held-out row, one request each
    assert "champion now serves version 2" in out
    versions = _versions(server, "wine-serving")
    aliases = {v: sorted(mv.get("aliases", [])) for v, mv in versions.items()}
    assert aliases == {"1": ["challenger"], "2": ["champion"]}


def test_lineage_report(server: LiveServer, tmp_path: Path) -> None:
    out = _run(server, "lineage_report.py", "report.json", cwd=tmp_path)
    assert "wine-lineage version 1: lineage written to report.json" in out
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["model_version"]["stage"] == "Staging"
    assert report["model_version"]["aliases"] == ["candidate"]
    assert report["run"]["params"] == {"C": "0.1", "scaler": "standard"}
    assert [d["name"] for d in report["run"]["datasets"]] == ["wine"]
    assert report["files"]["file_count"] > 0
    assert [(d["environment"], d["actor"]) for d in report["deployments"]] == [
        ("staging", "deploy-bot")
    ]
    assert [h["kind"] for h in report["history"]] == ["stage", "alias"]


def test_compare_versions(server: LiveServer, tmp_path: Path) -> None:
    out = _run(server, "compare_versions.py", cwd=tmp_path)
    assert "metric test_accuracy: 0.963 -> 1.000 (+0.037)" in out
    assert "param C: 1.0 -> 0.1 (changed)" in out
    assert "signature: same" in out
    assert "version 2 has the better test_accuracy" in out


def test_archive_old_versions(server: LiveServer, tmp_path: Path) -> None:
    out = _run(server, "archive_old_versions.py", cwd=tmp_path)
    assert "version 2 protected: alias champion, stage Production" in out
    assert "version 3 protected: alias challenger" in out
    assert "archived versions [4, 1]" in out
    stages = {v: mv["current_stage"] for v, mv in _versions(server, "wine-nightly").items()}
    assert stages == {
        "1": "Archived",
        "2": "Production",
        "3": "None",
        "4": "Archived",
        "5": "None",
        "6": "None",
    }


def test_promotion_with_approval(server: LiveServer, tmp_path: Path) -> None:
    out = _run(server, "promotion_with_approval.py", cwd=tmp_path)
    assert re.search(r"alice asks for Production: request \d+ is pending", out)
    assert "alice approves her own request: refused (The requester (alice) cannot approve" in out
    assert re.search(r"bob approves: request \d+ is applied", out)
    assert "mlflow sees version 1 in Production" in out
    events = httpx.get(
        f"{server.url}/api/v1/audit-events", params={"model": "wine-approved"}
    ).json()["events"]
    moved = [e for e in events if e["action"] == "model_version.transition_stage"]
    assert moved[0]["actor"] == "bob"  # newest first: the approval applied the move
