"""/api/v1 lineage, comparison and deployment records: the JSON documents and MLflow's error
shape for bad input, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelyard.artifacts.local import LocalArtifactStore
from modelyard.config import Settings
from modelyard.services import registry, run_logging, runs
from modelyard.store.uow import UnitOfWork
from tests.factories import new_version
from tests.services import story
from tests.services.story import FILES_A, FILES_B, sha

V1 = "/api/v1/models"


@pytest.fixture
def store(settings: Settings) -> Iterator[LocalArtifactStore]:
    local = LocalArtifactStore(settings.resolved_artifacts())
    yield local
    local.close()


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == code
    return str(body["message"])


def test_lineage_json_holds_every_part(
    client: TestClient, uow: UnitOfWork, store: LocalArtifactStore
) -> None:
    s = story.build(uow, store)

    response = client.get(f"{V1}/churn/versions/1/lineage")

    assert response.status_code == 200, response.text
    got = response.json()["lineage"]
    mv = got["model_version"]
    assert (mv["version"], mv["stage"], mv["aliases"], mv["tags"]) == (
        1,
        "Production",
        ["champion"],
        {"validated": "yes"},
    )
    assert (mv["run_id"], mv["model_id"], mv["source"]) == (
        s.run_a,
        s.logged_model_id,
        "mlflow-artifacts:/uploads/churn/a",
    )
    assert got["registered"]["actor"] == "ann"
    assert got["files"]["file_count"] == len(FILES_A)
    assert got["files"]["total_size"] == sum(len(d) for d in FILES_A.values())
    run = got["run"]
    assert run["metrics"] == story.METRICS_A
    assert run["params"] == story.PARAMS_A
    assert run["datasets"] == [
        {
            "name": "churn-train",
            "digest": "d1g35t",
            "source_type": "local",
            "source": "/data/train.csv",
            "tags": {"mlflow.data.context": "training"},
        }
    ]
    assert run["source_code"]["git_commit"] == "commit-0.1"
    assert run["source_code"]["source_name"] == "train.py"
    assert got["experiment"]["name"] == "churn-exp"
    assert got["logged_model"]["model_id"] == s.logged_model_id
    assert got["logged_model"]["params"] == {"max_depth": "3"}
    assert [(h["kind"], h.get("to_stage") or h.get("alias")) for h in got["history"]] == [
        ("stage", "Staging"),
        ("stage", "Production"),
        ("alias", "champion"),
    ]
    [approval] = got["approvals"]
    assert (approval["id"], approval["status"], approval["target"]) == (
        s.approval_id,
        "applied",
        {"alias": "champion"},
    )
    [deployed] = got["deployments"]
    assert (deployed["environment"], deployed["actor"], deployed["tags"]) == (
        "production",
        "deployer",
        {"region": "eu"},
    )


def test_lineage_of_an_external_version_has_nulls_and_nan_travels_as_text(
    client: TestClient, uow: UnitOfWork
) -> None:
    registry.create_registered_model(uow, name="ext")
    run = runs.create_run(uow, experiment_id="0")
    nan = ("odd", float("nan"), 1, 0, None, None, None)
    run_logging.log_batch(uow, run_id=run.info.run_id, metrics=[nan])
    new_version(uow, name="ext", source="s3://b/1", run_id=run.info.run_id)
    new_version(uow, name="ext", source="s3://b/2")

    got = client.get(f"{V1}/ext/versions/1/lineage").json()["lineage"]
    assert got["run"]["metrics"] == {"odd": "NaN"}
    assert (got["files"], got["logged_model"], got["run"]["source_code"]) == (None, None, None)
    got = client.get(f"{V1}/ext/versions/2/lineage").json()["lineage"]
    assert (got["run"], got["experiment"], got["history"]) == (None, None, [])


def test_compare_json(client: TestClient, uow: UnitOfWork, store: LocalArtifactStore) -> None:
    story.build(uow, store)

    response = client.get(f"{V1}/churn/compare", params={"a": "1", "b": "churn/2"})

    assert response.status_code == 200, response.text
    c = response.json()["comparison"]
    assert (c["a"]["version"], c["b"]["version"]) == (1, 2)
    assert {m["key"]: m["delta"] for m in c["metrics"]} == {
        "accuracy": None,
        "auc": None,
        "f1": 0.85 - 0.8,
        "loss": -0.25,
    }
    assert {p["key"]: p["status"] for p in c["params"]} == {
        "depth": "same",
        "epochs": "added",
        "lr": "changed",
        "seed": "removed",
    }
    assert c["signature"]["same"] is False
    assert c["signature"]["a"]["inputs"] == '[{"type": "double", "name": "x"}]'
    by_path = {f["path"]: f for f in c["files"]}
    assert by_path["model.pkl"] == {
        "path": "model.pkl",
        "status": "changed",
        "a": {"size": len(FILES_A["model.pkl"]), "sha256": sha(FILES_A["model.pkl"])},
        "b": {"size": len(FILES_B["model.pkl"]), "sha256": sha(FILES_B["model.pkl"])},
    }
    assert (by_path["conda.yaml"]["status"], by_path["conda.yaml"]["b"]) == ("removed", None)
    assert by_path["requirements.txt"]["status"] == "added"
    assert by_path["README.md"]["status"] == "same"


def test_deployments_are_recorded_and_listed(client: TestClient, uow: UnitOfWork) -> None:
    registry.create_registered_model(uow, name="m")
    new_version(uow, name="m", source="s3://b/1")
    new_version(uow, name="m", source="s3://b/2")
    body = {"environment": "prod", "endpoint": "https://x/m", "tags": {"k": "v"}, "note": "n"}

    made = client.post(
        f"{V1}/m/versions/1/deployments", json=body, headers={"X-Modelyard-User": "ci"}
    )
    assert made.status_code == 200, made.text
    first = made.json()["deployment"]
    assert (first["model"], first["version"], first["actor"], first["tags"]) == (
        "m",
        1,
        "ci",
        {"k": "v"},
    )
    second = client.post(
        f"{V1}/m/versions/2/deployments", json={"environment": "staging", "deployed_at": 5}
    ).json()["deployment"]
    assert (second["deployed_at"], second["actor"]) == (5, "anonymous")

    listed = client.get(f"{V1}/m/versions/1/deployments").json()["deployments"]
    assert [d["id"] for d in listed] == [first["id"]]
    listed = client.get(f"{V1}/m/deployments").json()["deployments"]
    assert [d["id"] for d in listed] == [first["id"], second["id"]]
    listed = client.get(f"{V1}/m/deployments", params={"environment": "staging"}).json()
    assert [d["version"] for d in listed["deployments"]] == [2]
    events = client.get("/api/v1/audit-events", params={"model": "m", "version": "1"}).json()
    assert events["events"][0]["action"] == "model_version.record_deployment"
    assert json.loads(json.dumps(events))  # plain JSON


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "match"),
    [
        ("GET", "/nope/versions/1/lineage", None, 404, "RESOURCE_DOES_NOT_EXIST", "nope"),
        ("GET", "/m/versions/7/lineage", None, 404, "RESOURCE_DOES_NOT_EXIST", "version=7"),
        ("GET", "/m/versions/abc/lineage", None, 400, "INVALID_PARAMETER_VALUE", "integer"),
        ("GET", "/m/compare?b=1", None, 400, "INVALID_PARAMETER_VALUE", "'a'"),
        ("GET", "/m/compare?a=1&b=x/y", None, 400, "INVALID_PARAMETER_VALUE", "integer"),
        ("GET", "/m/compare?a=1&b=other/1", None, 404, "RESOURCE_DOES_NOT_EXIST", "other"),
        ("POST", "/m/versions/1/deployments", {}, 400, "INVALID_PARAMETER_VALUE", "environment"),
        (
            "POST",
            "/m/versions/1/deployments",
            {"environment": "p", "colour": "red"},
            400,
            "INVALID_PARAMETER_VALUE",
            "colour",
        ),
        (
            "POST",
            "/m/versions/1/deployments",
            {"environment": "p", "deployed_at": "yesterday"},
            400,
            "INVALID_PARAMETER_VALUE",
            "deployed_at",
        ),
        (
            "POST",
            "/m/versions/1/deployments",
            {"environment": "p", "tags": {"k": 1}},
            400,
            "INVALID_PARAMETER_VALUE",
            "tags",
        ),
        (
            "POST",
            "/m/versions/9/deployments",
            {"environment": "p"},
            404,
            "RESOURCE_DOES_NOT_EXIST",
            "version=9",
        ),
        ("GET", "/m/deployments?environment=-x", None, 400, "INVALID_PARAMETER_VALUE", "environ"),
    ],
)
def test_bad_input_answers_in_mlflow_s_error_shape(
    client: TestClient,
    uow: UnitOfWork,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    status: int,
    code: str,
    match: str,
) -> None:
    registry.create_registered_model(uow, name="m")
    new_version(uow, name="m", source="s3://b/1")

    response = client.request(method, V1 + path, json=body)

    assert match in _error(response, status, code)
