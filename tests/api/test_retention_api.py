"""POST /api/v1/models/{name}/retention on SQLite and PostgreSQL: protected versions untouched,
a dry run writes nothing, one audit event per changed version with the request's actor, and bad
input answers 400 in MLflow's error shape."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

MLFLOW = "/api/2.0/mlflow"
PATH = "/api/v1/models/m/retention"


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == code
    return str(body["message"])


def _stages(client: TestClient) -> dict[int, str]:
    found = client.get(f"{MLFLOW}/model-versions/search", params={"filter": "name='m'"}).json()
    return {int(v["version"]): v["current_stage"] for v in found["model_versions"]}


def _events(client: TestClient) -> list[dict[str, Any]]:
    found = client.get("/api/v1/audit-events", params={"model": "m", "max_results": 1000})
    events: list[dict[str, Any]] = found.json()["events"]
    return events


@pytest.fixture
def model(client: TestClient) -> str:
    """Six versions: v1 champion, v2 Production, v3-v6 None."""
    assert client.post(f"{MLFLOW}/registered-models/create", json={"name": "m"}).is_success
    for i in range(6):
        body = {"name": "m", "source": f"s3://bucket/{i}"}
        assert client.post(f"{MLFLOW}/model-versions/create", json=body).is_success
    body = {"name": "m", "alias": "champion", "version": "1"}
    assert client.post(f"{MLFLOW}/registered-models/alias", json=body).is_success
    body = {"name": "m", "version": "2", "stage": "Production"}
    assert client.post(f"{MLFLOW}/model-versions/transition-stage", json=body).is_success
    return "m"


@pytest.mark.usefixtures("model")
def test_archive_through_the_api(client: TestClient) -> None:
    response = client.post(PATH, json={"keep": 2}, headers={"X-Modelyard-User": "ops"})

    assert response.status_code == 200, response.text
    result = response.json()["retention"]
    assert result == {
        "model": "m",
        "keep": 2,
        "action": "archive",
        "dry_run": False,
        "kept": [6, 5],
        "protected": [
            {"version": 2, "reasons": ["stage Production"]},
            {"version": 1, "reasons": ["alias champion"]},
        ],
        "changed": [{"version": 4, "from_stage": "None"}, {"version": 3, "from_stage": "None"}],
        "unchanged": [],
    }
    stages = _stages(client)
    assert (stages[1], stages[2], stages[3], stages[4], stages[5]) == (
        "None",
        "Production",
        "Archived",
        "Archived",
        "None",
    )
    archived = [e for e in _events(client) if e["action"] == "model_version.retention_archive"]
    assert sorted((e["target_version"], e["actor"]) for e in archived) == [(3, "ops"), (4, "ops")]


@pytest.mark.usefixtures("model")
def test_dry_run_and_delete(client: TestClient) -> None:
    events_before, stages_before = _events(client), _stages(client)
    dry = client.post(PATH, json={"keep": 1, "action": "delete", "dry_run": True})
    assert dry.status_code == 200, dry.text
    assert [c["version"] for c in dry.json()["retention"]["changed"]] == [5, 4, 3]
    assert (_events(client), _stages(client)) == (events_before, stages_before)

    done = client.post(PATH, json={"keep": 1, "action": "delete"})
    assert done.status_code == 200, done.text
    assert sorted(_stages(client)) == [1, 2, 6]
    deleted = [e for e in _events(client) if e["action"] == "model_version.retention_delete"]
    assert sorted(e["target_version"] for e in deleted) == [3, 4, 5]


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ({"keep": -1}, "'keep' must be a whole number >= 0"),
        ({"keep": 1, "action": "purge"}, "Unknown retention action 'purge'"),
        ({"keep": "two"}, "keep"),
        ({"keep": 1.5}, "keep"),
        ({"keep": True}, "keep"),
        ({}, "keep"),
        ({"keep": 1, "dry_run": "maybe"}, "dry_run"),
        ({"keep": 1, "older_than": 3}, "older_than"),
    ],
)
@pytest.mark.usefixtures("model")
def test_bad_input_is_400(client: TestClient, body: dict[str, Any], match: str) -> None:
    stages_before = _stages(client)
    message = _error(client.post(PATH, json=body), 400, "INVALID_PARAMETER_VALUE")
    assert match in message
    assert _stages(client) == stages_before


def test_unknown_model_is_404(client: TestClient) -> None:
    message = _error(
        client.post("/api/v1/models/nope/retention", json={"keep": 1}),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )
    assert "nope" in message


def test_the_route_is_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/models/{name}/retention"]
