"""The tracking endpoints' wire format: MLflow's JSON in and out, through the ASGI app."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/2.0/mlflow"


def _ok(client: TestClient, method: str, path: str, **kwargs: Any) -> Any:
    response = client.request(method, API + path, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def _run(client: TestClient) -> tuple[str, str]:
    exp = _ok(client, "POST", "/experiments/create", json={"name": "e"})["experiment_id"]
    run = _ok(client, "POST", "/runs/create", json={"experiment_id": exp, "run_name": "r"})
    return exp, run["run"]["info"]["run_id"]


def test_run_json_round_trip(client: TestClient) -> None:
    exp, run_id = _run(client)
    _ok(
        client,
        "POST",
        "/runs/log-batch",
        json={
            "run_id": run_id,
            # int64 fields as proto's JSON strings, doubles as its special spellings
            "metrics": [
                {"key": "nan", "value": "NaN", "timestamp": "5", "step": "1"},
                {"key": "inf", "value": "-Infinity", "timestamp": 5},
            ],
            "params": [{"key": "p", "value": ""}],
        },
    )
    _ok(
        client,
        "POST",
        "/runs/log-inputs",
        json={
            "run_id": run_id,
            "datasets": [
                {
                    "tags": [{"key": "mlflow.data.context", "value": "eval"}],
                    "dataset": {
                        "name": "d",
                        "digest": "abc",
                        "source_type": "local",
                        "source": "{}",
                        "schema": "{}",
                    },
                }
            ],
        },
    )
    run = _ok(client, "GET", "/runs/get", params={"run_uuid": run_id})["run"]
    assert run["info"] == {
        "run_id": run_id,
        "run_uuid": run_id,
        "run_name": "r",
        "experiment_id": exp,
        "status": "RUNNING",
        "artifact_uri": f"mlflow-artifacts:/{exp}/{run_id}/artifacts",
        "lifecycle_stage": "active",
        "start_time": run["info"]["start_time"],
    }
    assert run["data"]["metrics"] == [
        {"key": "inf", "value": "-Infinity", "timestamp": 5, "step": 0},
        {"key": "nan", "value": "NaN", "timestamp": 5, "step": 1},
    ]
    assert run["data"]["params"] == [{"key": "p", "value": ""}]
    assert run["inputs"]["dataset_inputs"] == [
        {
            "dataset": {
                "name": "d",
                "digest": "abc",
                "source_type": "local",
                "source": "{}",
                "schema": "{}",
            },
            "tags": [{"key": "mlflow.data.context", "value": "eval"}],
        }
    ]
    info = _ok(client, "POST", "/runs/update", json={"run_id": run_id, "status": "KILLED"})
    assert info["run_info"]["status"] == "KILLED"


def test_experiment_search_by_get_and_the_ajax_prefix(client: TestClient) -> None:
    _run(client)
    found = _ok(client, "GET", "/experiments/search", params={"filter": "name = 'e'"})
    assert [e["name"] for e in found["experiments"]] == ["e"]
    ajax = client.get("/ajax-api/2.0/mlflow/experiments/get", params={"experiment_id": "0"})
    assert ajax.json()["experiment"]["name"] == "Default"


def test_errors_have_mlflow_codes(client: TestClient) -> None:
    _, run_id = _run(client)
    cases = [
        ("GET", "/runs/get", {"params": {"run_id": "f" * 32}}, 404, "RESOURCE_DOES_NOT_EXIST"),
        ("GET", "/experiments/get", {"params": {"experiment_id": "77"}}, 404, None),
        ("GET", "/experiments/get-by-name", {"params": {"experiment_name": "x"}}, 404, None),
        ("POST", "/experiments/create", {"json": {"name": "e"}}, 400, "RESOURCE_ALREADY_EXISTS"),
        ("POST", "/runs/delete-tag", {"json": {"run_id": run_id, "key": "x"}}, 404, None),
        ("GET", "/logged-models/m-" + "0" * 32, {}, 404, "RESOURCE_DOES_NOT_EXIST"),
        ("GET", "/logged-models/not-an-id", {}, 400, "INVALID_PARAMETER_VALUE"),
        ("DELETE", "/logged-models/not-an-id", {}, 400, "INVALID_PARAMETER_VALUE"),
    ]
    for method, path, kwargs, status, code in cases:
        response = client.request(method, API + path, **kwargs)
        assert response.status_code == status, (path, response.text)
        body = response.json()
        assert set(body) == {"error_code", "message"}
        assert code is None or body["error_code"] == code


def test_logged_model_routes(client: TestClient) -> None:
    exp, run_id = _run(client)
    created = _ok(
        client,
        "POST",
        "/logged-models",
        json={"experiment_id": exp, "name": "m", "source_run_id": run_id, "model_type": "t"},
    )["model"]
    model_id = created["info"]["model_id"]
    assert created["info"]["status"] == "LOGGED_MODEL_PENDING"
    path = f"/logged-models/{model_id}"
    _ok(client, "POST", path + "/params", json={"params": [{"key": "p", "value": "1"}]})
    tagged = _ok(client, "PATCH", path + "/tags", json={"tags": [{"key": "a/b", "value": "v"}]})
    assert tagged["model"]["info"]["tags"] == [{"key": "a/b", "value": "v"}]
    failed = _ok(client, "PATCH", path, json={"status": "LOGGED_MODEL_UPLOAD_FAILED"})["model"]
    assert failed["info"]["status"] == "LOGGED_MODEL_UPLOAD_FAILED"
    assert failed["data"]["params"] == [{"key": "p", "value": "1"}]
    _ok(client, "PATCH", path + "/tags", json={"tags": [{"key": "k", "value": "v"}]})
    _ok(client, "DELETE", path + "/tags/k")
    missing = client.delete(API + path + "/tags/k")
    assert missing.status_code == 404
    _ok(
        client,
        "POST",
        "/runs/outputs",
        json={"run_id": run_id, "models": [{"model_id": model_id, "step": 3}]},
    )
    outputs = _ok(client, "GET", "/runs/get", params={"run_id": run_id})["run"]["outputs"]
    assert outputs == {"model_outputs": [{"model_id": model_id, "step": 3}]}
    _ok(client, "DELETE", path, json={"model_id": model_id})
    assert client.get(API + path).status_code == 404
    deleted = _ok(client, "GET", path, params={"allow_deleted": "true"})
    assert deleted["model"]["info"]["model_id"] == model_id


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/traces/search"),
        ("GET", "/traces/tr-1/info"),
        ("POST", "/scorers/register"),
        ("POST", "/gateway/secrets/create"),
        ("POST", "/prompt-optimization/jobs"),
        ("GET", "/review-queues/list"),
    ],
)
def test_genai_endpoints_answer_endpoint_not_found(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, API + path, json={})
    assert response.status_code == 404
    assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"
