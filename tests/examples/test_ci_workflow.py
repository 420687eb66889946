"""examples/ci/promote.yml does what docs/ci.md says: its `run:` scripts that call `modelyard`
are run here as GitHub Actions runs them (bash -eo pipefail, the job's env with the dispatch
inputs filled in, stop at the first failing step) against a live server, once with a policy that
refuses the promotion and once with one that allows it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from mlflow import MlflowClient

from modelyard.client import PoliciesClient
from tests.helpers import LiveServer, live_server, wait_until

pytestmark = pytest.mark.e2e
WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "ci" / "promote.yml"
MODEL = "ci-model"
POLICY = {"rules": [{"stage": "Staging", "metrics": ["test_accuracy >= 0.95"]}]}


def _workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def _modelyard_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps whose script runs the `modelyard` command (not the one that installs it)."""
    return [s for s in job["steps"] if re.search(r"(?m)^\s*modelyard\s", s.get("run", ""))]


@dataclass
class JobResult:
    status: int  # the exit status of the first failing step, or 0
    ran: list[str]  # names of the steps that ran
    log: str  # stdout and stderr of every step that ran
    summary: str  # what the steps wrote to $GITHUB_STEP_SUMMARY


def _run_job(server: LiveServer, tmp_path: Path, inputs: dict[str, str]) -> JobResult:
    job = _workflow()["jobs"]["promote"]
    contexts = {f"inputs.{k}": v for k, v in inputs.items()}
    contexts |= {"vars.MODELYARD_URL": server.url, "github.actor": "octocat"}

    def expand(value: str) -> str:
        return re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: contexts[m.group(1)], value)

    summary = tmp_path / "summary.md"
    summary.touch()  # the runner makes the file; steps append to it
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MODELYARD_"))}
    env |= {k: expand(str(v)) for k, v in job["env"].items()}
    env |= {"GITHUB_STEP_SUMMARY": str(summary), "COLUMNS": "200"}
    # As after the workflow's install step: `modelyard` on the PATH.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    ran, log = [], []
    for step in _modelyard_steps(job):
        assert "if" not in step, "the runner here assumes steps run until one fails"
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        ran.append(step["name"])
        log.append(done.stdout + done.stderr)
        if done.returncode != 0:
            return JobResult(done.returncode, ran, "".join(log), summary.read_text())
    return JobResult(0, ran, "".join(log), summary.read_text())


def _register(client: MlflowClient, experiment_id: str, accuracy: float) -> str:
    run = client.create_run(experiment_id)
    client.log_metric(run.info.run_id, "test_accuracy", accuracy)
    client.log_text(run.info.run_id, "flavors: {}\n", "model/MLmodel")
    client.set_terminated(run.info.run_id)
    version = client.create_model_version(
        MODEL, f"runs:/{run.info.run_id}/model", run_id=run.info.run_id
    ).version
    wait_until(
        lambda: client.get_model_version(MODEL, version).status == "READY",
        timeout=30,
        what=f"version {version} READY",
    )
    return str(version)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A model with a weak version 1 (test_accuracy 0.9) and a good version 2 (0.97), and a
    policy that lets only 0.95 or better into Staging."""
    with live_server(data_dir=tmp_path_factory.mktemp("ci")) as running:
        client = MlflowClient(running.url)
        client.create_registered_model(MODEL)
        experiment_id = client.create_experiment("ci")
        assert _register(client, experiment_id, 0.9) == "1"
        assert _register(client, experiment_id, 0.97) == "2"
        with PoliciesClient(running.url, user="admin") as policies:
            policies.put_policy(POLICY, model=MODEL)
        yield running


def _stage(server: LiveServer, version: str) -> str:
    found = httpx.get(
        f"{server.url}/api/2.0/mlflow/model-versions/get",
        params={"name": MODEL, "version": version},
    )
    return str(found.json()["model_version"]["current_stage"])


def test_the_workflow_is_a_manual_dispatch_with_model_version_and_stage() -> None:
    workflow = _workflow()
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    inputs = on["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"model", "version", "stage"}
    assert all(i["required"] for i in inputs.values())
    assert {"Staging", "Production"} <= set(inputs["stage"]["options"])
    scripts = [s["run"] for s in _modelyard_steps(workflow["jobs"]["promote"])]
    assert [("--check" in s, "promote" in s) for s in scripts] == [(True, True), (False, True)]


def test_a_refused_promotion_fails_the_job_with_the_failed_checks(
    server: LiveServer, tmp_path: Path
) -> None:
    result = _run_job(server, tmp_path, {"model": MODEL, "version": "1", "stage": "Staging"})
    assert result.status == 1, result.log
    assert result.ran == ["Check the promotion against the policy (dry run)"]  # no promote
    assert f"{MODEL} v1 -> Staging: refused" in result.log
    assert (
        "::error title=Policy check failed::metric test_accuracy: required >= 0.95, actual 0.9"
        in result.log
    )
    assert "| metric test_accuracy | NO | 0.9 | >= 0.95 |" in result.summary
    assert _stage(server, "1") == "None"


def test_an_allowed_promotion_changes_the_stage(server: LiveServer, tmp_path: Path) -> None:
    result = _run_job(server, tmp_path, {"model": MODEL, "version": "2", "stage": "Staging"})
    assert result.status == 0, result.log
    assert len(result.ran) == 2
    assert f"{MODEL} v2 -> Staging: allowed" in result.log
    assert f"{MODEL} version 2 is now in stage Staging" in result.summary
    assert _stage(server, "2") == "Staging"
    events = httpx.get(
        f"{server.url}/api/v1/audit-events",
        params={"model": MODEL, "action": "model_version.transition_stage"},
    ).json()["events"]
    assert [e["actor"] for e in events] == ["octocat"]  # LOGNAME from github.actor


def test_an_unknown_version_fails_with_status_2_and_one_line(
    server: LiveServer, tmp_path: Path
) -> None:
    result = _run_job(server, tmp_path, {"model": MODEL, "version": "99", "stage": "Staging"})
    assert result.status == 2, result.log
    assert result.log.strip().splitlines()[-1].startswith("error: ")
