"""/api/v1 audit events, history and rollback through the app, with the actor header and the
request id recorded."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

MLFLOW = "/api/2.0/mlflow"


def _post(client: TestClient, path: str, body: dict[str, object], user: str = "ann") -> None:
    r = client.post(MLFLOW + path, json=body, headers={"X-Modelyard-User": user})
    assert r.status_code == 200, r.text


def _promote_twice(client: TestClient) -> None:
    _post(client, "/registered-models/create", {"name": "m"})
    for i in (1, 2):
        _post(client, "/model-versions/create", {"name": "m", "source": f"s3://bucket/{i}"})
        _post(
            client,
            "/registered-models/alias",
            {"name": "m", "alias": "champion", "version": str(i)},
            user="bob",
        )
        _post(
            client,
            "/model-versions/transition-stage",
            {
                "name": "m",
                "version": str(i),
                "stage": "Production",
                "archive_existing_versions": True,
            },
        )


def test_events_carry_actor_and_request_id(client: TestClient) -> None:
    r = client.post(
        MLFLOW + "/registered-models/create",
        json={"name": "m"},
        headers={"X-Modelyard-User": "ann", "X-Request-Id": "abc-123"},
    )
    assert r.headers["x-request-id"] == "abc-123"
    generated = client.post(
        MLFLOW + "/registered-models/set-tag", json={"name": "m", "key": "k", "value": "v"}
    )
    assert len(generated.headers["x-request-id"]) == 32
    events = client.get("/api/v1/audit-events", params={"model": "m"}).json()["events"]
    assert [(e["action"], e["actor"]) for e in events] == [
        ("registered_model.set_tag", "anonymous"),
        ("registered_model.create", "ann"),
    ]
    assert events[1]["request_id"] == "abc-123"
    assert events[0]["request_id"] == generated.headers["x-request-id"]


def test_query_filters_and_pages(client: TestClient) -> None:
    _promote_twice(client)
    by_bob = client.get("/api/v1/audit-events", params={"actor": "bob"}).json()["events"]
    assert [e["action"] for e in by_bob] == ["registered_model.alias_set"] * 2
    v2 = client.get("/api/v1/audit-events", params={"model": "m", "version": 2}).json()["events"]
    assert {e["target_version"] for e in v2} == {2}
    seen, token = [], None
    while True:
        params: dict[str, object] = {"max_results": 2}
        if token:
            params["page_token"] = token
        body = client.get("/api/v1/audit-events", params=params).json()
        seen += [e["seq"] for e in body["events"]]
        token = body.get("next_page_token")
        if not token:
            break
    assert seen == list(range(len(seen), 0, -1))


def test_bad_parameters_answer_400(client: TestClient) -> None:
    for params in (
        {"max_results": 0},
        {"max_results": "x"},
        {"since": "yesterday"},
        {"since": 5, "until": 1},
        {"version": 1},
        {"page_token": "!!"},
    ):
        r = client.get("/api/v1/audit-events", params=params)
        assert r.status_code == 400, params
        assert set(r.json()) == {"error_code", "message"}
        assert r.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_export_is_json_lines_in_chain_order(client: TestClient) -> None:
    _promote_twice(client)
    r = client.get("/api/v1/audit-events/export")
    assert r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert [e["seq"] for e in lines] == list(range(1, len(lines) + 1))
    assert all(lines[i]["prev_hash"] == lines[i - 1]["hash"] for i in range(1, len(lines)))
    assert client.get("/api/v1/audit-events/verify").json()["ok"] is True


def test_history_and_rollback(client: TestClient) -> None:
    _promote_twice(client)
    alias = client.get("/api/v1/models/m/aliases/champion/history").json()["history"]
    assert [(h["version"], h["previous_version"], h["actor"]) for h in alias] == [
        (2, 1, "bob"),
        (1, None, "bob"),
    ]
    r = client.post(
        "/api/v1/models/m/rollback",
        json={"alias": "champion"},
        headers={"X-Modelyard-User": "carol"},
    )
    assert r.status_code == 200, r.text
    assert [v["version"] for v in r.json()["model_versions"]] == ["1"]
    r = client.post("/api/v1/models/m/rollback", json={"stage": "Production"})
    assert r.status_code == 200, r.text
    stage = client.get("/api/v1/models/m/stages/Production/history").json()["history"]
    assert (stage[0]["version"], stage[0]["to_stage"], stage[0]["actor"]) == (
        1,
        "Production",
        "anonymous",
    )
    got = client.get(MLFLOW + "/registered-models/get", params={"name": "m"}).json()
    assert got["registered_model"]["aliases"] == [{"alias": "champion", "version": "1"}]


def test_rollback_refusals(client: TestClient) -> None:
    _post(client, "/registered-models/create", {"name": "m"})
    r = client.post("/api/v1/models/m/rollback", json={"alias": "champion"})
    assert (r.status_code, r.json()["error_code"]) == (409, "RESOURCE_CONFLICT")
    r = client.post("/api/v1/models/m/rollback", json={})
    assert (r.status_code, r.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    r = client.post("/api/v1/models/nope/rollback", json={"stage": "Production"})
    assert (r.status_code, r.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    r = client.get("/api/v1/models/m/stages/Nowhere/history")
    assert r.status_code == 400


def test_openapi_documents_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/audit-events",
        "/api/v1/audit-events/export",
        "/api/v1/audit-events/verify",
        "/api/v1/models/{name}/aliases/{alias}/history",
        "/api/v1/models/{name}/stages/{stage}/history",
        "/api/v1/models/{name}/rollback",
    ):
        assert path in paths
