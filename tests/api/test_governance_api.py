"""modelyard's own governance API (/api/v1): policies, dry run, promote, and an approval flow with
two actors (header X-Modelyard-User), in MLflow's error shape, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

MLFLOW = "/api/2.0/mlflow"
POLICY = """
rules:
  - stage: Production
    approvals: {count: 1, users: [carol]}
    archive_existing: true
"""


def _as(user: str) -> dict[str, str]:
    return {"X-Modelyard-User": user}


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == code
    return str(body["message"])


@pytest.fixture
def model(client: TestClient) -> str:
    assert client.post(f"{MLFLOW}/registered-models/create", json={"name": "churn"}).is_success
    for _ in range(2):
        created = client.post(
            f"{MLFLOW}/model-versions/create", json={"name": "churn", "source": "s3://bucket/m"}
        )
        assert created.is_success, created.text
    stored = client.put("/api/v1/models/churn/policy", json={"policy": POLICY}, headers=_as("lead"))
    assert stored.status_code == 200, stored.text
    return "churn"


def test_policies_and_their_history(client: TestClient, model: str) -> None:
    got = client.get(f"/api/v1/models/{model}/policy").json()["policy"]
    assert (got["version"], got["actor"], got["model"]) == (1, "lead", model)
    assert got["policy"]["rules"][0]["approvals"]["users"] == ["carol"]
    client.put(f"/api/v1/models/{model}/policy", json={"policy": {"rules": []}})
    history = client.get(f"/api/v1/models/{model}/policy/history").json()["policies"]
    assert [p["version"] for p in history] == [2, 1]
    assert [p["actor"] for p in history] == ["anonymous", "lead"]
    _error(client.get("/api/v1/policies/default"), 404, "RESOURCE_DOES_NOT_EXIST")
    assert client.put("/api/v1/policies/default", json={"policy": "rules: []"}).is_success
    assert client.get("/api/v1/policies/default").json()["policy"]["version"] == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "match"),
    [
        (
            "put",
            "/api/v1/policies/default",
            {"policy": "rules: [{stage: Prod}]"},
            "rules[0].stage (line 1)",
        ),
        ("put", "/api/v1/policies/default", {"policy": 3}, "policy"),
        ("put", "/api/v1/policies/default", {"nope": 1}, "policy"),
        ("post", "/api/v1/models/churn/versions/1/promotion-check", {}, "exactly one target"),
        (
            "post",
            "/api/v1/models/churn/versions/1/promote",
            {"stage": "Production", "alias": "x"},
            "exactly one target",
        ),
        ("post", "/api/v1/models/churn/versions/x/promotion-check", {"stage": "Staging"}, "x"),
        ("post", "/api/v1/approvals", {"model": "churn", "version": "one"}, "version"),
        ("post", "/api/v1/approvals/abc/approve", {}, "request_id"),
        ("get", "/api/v1/approvals?status=weird", None, "Unknown status"),
    ],
)
@pytest.mark.usefixtures("model")
def test_bad_input_is_400_invalid_parameter_value(
    client: TestClient, method: str, path: str, body: Any, match: str
) -> None:
    response = client.request(method.upper(), path, json=body)
    assert match in _error(response, 400, "INVALID_PARAMETER_VALUE")


def test_dry_run_then_approval_flow_with_two_actors(client: TestClient, model: str) -> None:
    check = client.post(
        f"/api/v1/models/{model}/versions/2/promotion-check", json={"stage": "production"}
    ).json()["check"]
    assert (check["allowed"], check["needs_approval"], check["policy"]) == (
        False,
        True,
        {"model": model, "version": 1},
    )
    assert check["checks"][0]["name"] == "approvals"
    refused = client.post(
        f"/api/v1/models/{model}/versions/2/promote", json={"stage": "Production"}
    )
    assert "modelyard approvals request churn 2 --stage Production" in _error(
        refused, 403, "PERMISSION_DENIED"
    )

    created = client.post(
        "/api/v1/approvals",
        json={"model": model, "version": 2, "stage": "Production", "comment": "better f1"},
        headers=_as("dave"),
    )
    assert created.status_code == 200, created.text
    req = created.json()["request"]
    assert (req["status"], req["requester"], req["target"]) == (
        "pending",
        "dave",
        {"stage": "Production"},
    )
    listed = client.get("/api/v1/approvals", params={"approver": "carol"}).json()["requests"]
    assert [r["id"] for r in listed] == [req["id"]]
    own = client.post(f"/api/v1/approvals/{req['id']}/approve", json={}, headers=_as("dave"))
    assert "cannot approve their own request" in _error(own, 403, "PERMISSION_DENIED")
    other = client.post(f"/api/v1/approvals/{req['id']}/approve", json={}, headers=_as("erin"))
    _error(other, 403, "PERMISSION_DENIED")
    commented = client.post(
        f"/api/v1/approvals/{req['id']}/comments", json={"comment": "ping"}, headers=_as("dave")
    ).json()["request"]
    assert commented["comments"][0]["author"] == "dave"

    done = client.post(
        f"/api/v1/approvals/{req['id']}/approve", json={"comment": "ok"}, headers=_as("carol")
    )
    assert done.status_code == 200, done.text
    assert done.json()["request"]["status"] == "applied"
    version = client.get(f"{MLFLOW}/model-versions/get", params={"name": model, "version": "2"})
    assert version.json()["model_version"]["current_stage"] == "Production"
    again = client.post(f"/api/v1/approvals/{req['id']}/reject", json={}, headers=_as("carol"))
    assert "already applied" in _error(again, 409, "RESOURCE_CONFLICT")
    _error(client.get("/api/v1/approvals/999999"), 404, "RESOURCE_DOES_NOT_EXIST")


def test_the_mlflow_route_is_refused_with_403(client: TestClient, model: str) -> None:
    response = client.post(
        f"{MLFLOW}/model-versions/transition-stage",
        json={
            "name": model,
            "version": "1",
            "stage": "Production",
            "archive_existing_versions": False,
        },
    )
    assert "approvals: required 1 approval(s) by carol" in _error(
        response, 403, "PERMISSION_DENIED"
    )


def test_the_routes_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/policies/default",
        "/api/v1/models/{name}/policy",
        "/api/v1/models/{name}/versions/{version}/promotion-check",
        "/api/v1/models/{name}/versions/{version}/promote",
        "/api/v1/approvals",
        "/api/v1/approvals/{request_id}/approve",
    ):
        assert path in paths
