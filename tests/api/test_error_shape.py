"""One request per error class: MLflow's shape `{"error_code", "message"}` and the status of the
table in `modelyard.errors` (CONVENTIONS D)."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from modelyard import errors
from modelyard.api.app import create_app
from modelyard.config import Settings

API = "/api/2.0/mlflow"


def assert_error(
    response: httpx.Response, cls: type[errors.ModelyardError], code: str, status: int
) -> dict[str, Any]:
    # The literal code and status pin the table in errors.py as well as the response.
    assert (cls.error_code, cls.http_status) == (code, status)
    body = response.json()
    assert set(body) == {"error_code", "message"}, body
    assert (response.status_code, body["error_code"]) == (status, code), body
    assert isinstance(body["message"], str)
    assert body["message"].strip()
    assert response.headers["content-type"].startswith("application/json")
    return body  # type: ignore[no-any-return]


def test_not_found(client: TestClient) -> None:
    response = client.get(f"{API}/registered-models/get", params={"name": "missing"})
    body = assert_error(response, errors.NotFound, "RESOURCE_DOES_NOT_EXIST", 404)
    assert "missing" in body["message"]


def test_already_exists(client: TestClient) -> None:
    first = client.post(f"{API}/registered-models/create", json={"name": "twice"})
    assert first.status_code == 200, first.text
    again = client.post(f"{API}/registered-models/create", json={"name": "twice"})
    body = assert_error(again, errors.AlreadyExists, "RESOURCE_ALREADY_EXISTS", 400)
    assert "twice" in body["message"]


def test_invalid_parameter(client: TestClient) -> None:
    response = client.post(f"{API}/registered-models/create", json={"name": ""})
    body = assert_error(response, errors.InvalidParameter, "INVALID_PARAMETER_VALUE", 400)
    assert "name" in body["message"]


def test_request_validation_error_is_invalid_parameter(client: TestClient) -> None:
    # A type error caught while parsing (not by a domain rule): still 400, never FastAPI's 422.
    response = client.post(f"{API}/registered-models/create", json={"name": ["a", "b"]})
    assert_error(response, errors.InvalidParameter, "INVALID_PARAMETER_VALUE", 400)


@pytest.mark.parametrize("prefix", [API, "/ajax-api/2.0/mlflow"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/no-such-endpoint"),
        ("POST", "/registered-models/no-such-action"),
        ("GET", "/registered-models/create"),  # known path, wrong method
        ("PUT", "/registered-models/update"),
        ("POST", "/model-versions/get"),
    ],
)
def test_endpoint_not_found(client: TestClient, prefix: str, method: str, path: str) -> None:
    response = client.request(method, prefix + path, json={"name": "x"})
    assert_error(response, errors.EndpointNotFound, "ENDPOINT_NOT_FOUND", 404)


def _app_with(settings: Settings, exc: Exception) -> FastAPI:
    app = create_app(settings)

    # Outside the MLflow prefix: routes added after create_app come after its catch-all there.
    @app.get("/test-only/raise")
    def raise_it() -> None:
        raise exc

    return app


@pytest.mark.parametrize(
    "cls", [c for c in errors.ALL_ERRORS if c.http_status < 500], ids=lambda c: c.__name__
)
def test_every_refusal_class_keeps_its_status(
    settings: Settings, cls: type[errors.ModelyardError]
) -> None:
    app = _app_with(settings, cls("refused for a reason"))
    with TestClient(app) as test_client:
        response = test_client.get("/test-only/raise")
    assert_error(response, cls, cls.error_code, cls.http_status)
    assert response.json()["message"] == "refused for a reason"


def test_unexpected_exception_is_internal_error_without_traceback(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "connection string postgresql://admin:hunter2@db"
    app = _app_with(settings, RuntimeError(secret))
    caplog.set_level(logging.ERROR, logger="modelyard")
    # Starlette re-raises after answering, for servers to log; the test client must not.
    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get("/test-only/raise")

    body = assert_error(response, errors.ModelyardError, "INTERNAL_ERROR", 500)
    for leak in (secret, "hunter2", "Traceback", "RuntimeError", "raise_it", ".py"):
        assert leak not in response.text, leak
    assert body["message"].strip()

    logged = [r for r in caplog.records if r.exc_info and r.exc_info[1] is not None]
    assert logged, "the unexpected exception was not logged with its traceback"
    record = logged[0]
    assert record.levelno >= logging.ERROR
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)
    assert secret in caplog.text
    assert "Traceback" in caplog.text
    assert "raise_it" in caplog.text
