"""Promotion policies enforced on the MLflow routes: the real `mlflow.MlflowClient` against a live
`modelyard server`, on SQLite and PostgreSQL. A refused transition or alias answers
PERMISSION_DENIED (403, which the client does not retry) with every failed check in the message;
`modelyard promote --check` exits 0 or 1 accordingly and changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import httpx
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from tests.helpers import LiveServer

pytestmark = pytest.mark.e2e

STAGES_DEPRECATED = "Model registry stages will be removed"
POLICY = """
rules:
  - stage: Production
    from_stage: Staging
    metrics: ["test_f1 >= 0.80"]
    tags: {validated: "true"}
  - alias: champion
    approvals: 1
"""


@pytest.fixture
def client(server: LiveServer) -> MlflowClient:
    return MlflowClient(tracking_uri=server.url, registry_uri=server.url)


@pytest.fixture
def name(server: LiveServer, client: MlflowClient) -> str:
    """A model of its own with the policy above, set through modelyard's API."""
    model = f"gov-{uuid.uuid4().hex[:12]}"
    client.create_registered_model(model)
    response = httpx.put(
        f"{server.url}/api/v1/models/{model}/policy",
        json={"policy": POLICY},
        headers={"X-Modelyard-User": "lead"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["policy"]["version"] == 1
    return model


def _version(client: MlflowClient, name: str, f1: float) -> str:
    exp = client.create_experiment(f"exp-{uuid.uuid4().hex[:12]}")
    run = client.create_run(exp)
    client.log_metric(run.info.run_id, "test_f1", f1)
    v = client.create_model_version(name, "s3://bucket/model", run_id=run.info.run_id)
    return str(v.version)


def test_a_blocked_transition_names_every_failed_check(client: MlflowClient, name: str) -> None:
    version = _version(client, name, 0.7)
    with (
        pytest.warns(FutureWarning, match=STAGES_DEPRECATED),
        pytest.raises(MlflowException, match="Policy check failed") as caught,
    ):
        client.transition_model_version_stage(name, version, "Production")
    assert caught.value.error_code == "PERMISSION_DENIED"
    assert caught.value.get_http_status_code() == 403
    message = caught.value.message
    assert f"policy of model {name}, version 1" in message
    assert "from_stage: required Staging, actual None" in message
    assert "metric test_f1: required >= 0.8, actual 0.7" in message
    assert "tag validated: required 'true', actual absent" in message
    assert client.get_model_version(name, version).current_stage == "None"


def test_a_version_that_meets_the_rule_is_promoted(client: MlflowClient, name: str) -> None:
    version = _version(client, name, 0.9)
    client.set_model_version_tag(name, version, "validated", "true")
    with pytest.warns(FutureWarning, match=STAGES_DEPRECATED):
        client.transition_model_version_stage(name, version, "Staging")
    with pytest.warns(FutureWarning, match=STAGES_DEPRECATED):
        moved = client.transition_model_version_stage(name, version, "Production")
    assert moved.current_stage == "Production"


def test_an_alias_that_needs_approval_is_refused_with_how_to_ask(
    client: MlflowClient, name: str
) -> None:
    version = _version(client, name, 0.9)
    with pytest.raises(MlflowException, match="approvals: required 1 approval") as caught:
        client.set_registered_model_alias(name, "champion", version)
    assert caught.value.error_code == "PERMISSION_DENIED"
    assert f"modelyard approvals request {name} {version} --alias champion" in caught.value.message
    assert client.get_registered_model(name).aliases == {}
    client.set_registered_model_alias(name, "challenger", version)  # no rule: allowed


def _promote_check(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env["MODELYARD_URL"] = server.url
    return subprocess.run(
        [sys.executable, "-m", "modelyard", "promote", *args, "--check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_promote_check_exit_codes_and_changes_nothing(
    server: LiveServer, client: MlflowClient, name: str
) -> None:
    low = _version(client, name, 0.5)
    refused = _promote_check(server, name, low, "--stage", "Production")
    assert refused.returncode == 1, refused.stderr
    assert "metric test_f1" in refused.stdout
    assert "refused" in refused.stdout
    with_json = _promote_check(server, name, low, "--stage", "Staging", "--json")
    assert with_json.returncode == 0, with_json.stderr
    assert '"allowed": true' in with_json.stdout
    missing = _promote_check(server, "no-such-model", "1", "--stage", "Staging")
    assert missing.returncode == 2
    assert "not found" in missing.stderr
    assert client.get_model_version(name, low).current_stage == "None"
