"""Path attacks on the artifact proxy: one test per attack form for upload, download, list and
delete. Each answers 4xx with MLflow's error JSON, and nothing outside the artifact root (or
inside it) is created, changed or deleted.

Requests go straight to the ASGI app with a raw path, as uvicorn would pass it on: an HTTP
client would normalise '..' away before sending, and an attacker's client does not.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, unquote

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from modelyard.config import Settings

PREFIX = "/api/2.0/mlflow-artifacts"

# name -> the artifact path as it appears in the raw request target (percent-encoding kept).
ATTACKS = {
    "dot-dot": "../outside/secret.txt",
    "dot-dot deep": "a/../../outside/secret.txt",
    "absolute": "/{outside}/secret.txt",
    "encoded dot-dot": "%2e%2e/outside/secret.txt",
    "encoded slash": "..%2foutside%2fsecret.txt",
    "double-encoded": "%252e%252e%252foutside%252fsecret.txt",
    "backslash": "..%5coutside%5csecret.txt",
    "NUL": "secret.txt%00.png",
    "symlink out of the root": "link/secret.txt",
}


def _raw(
    app: FastAPI,
    method: str,
    raw_path: str,
    query: str = "",
    content: bytes = b"overwritten",
    content_type: bytes = b"application/octet-stream",
) -> tuple[int, dict[str, str]]:
    """One request to the ASGI app; returns (status, JSON body)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", content_type)],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, object]] = []
    body = [{"type": "http.request", "body": content, "more_body": False}]

    async def receive() -> dict[str, object]:
        return body.pop(0) if body else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def run() -> None:
        await app(scope, receive, send)

    anyio.run(run)
    status = int(sent[0]["status"])  # type: ignore[call-overload]
    content = b"".join(m.get("body", b"") for m in sent[1:])  # type: ignore[misc]
    return status, json.loads(content)


@pytest.fixture
def layout(client: TestClient, settings: Settings) -> tuple[FastAPI, Path, Path]:
    root = Path(settings.resolved_artifacts())
    outside = root.parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (root / "link").symlink_to(outside, target_is_directory=True)
    return client.app, root, outside  # type: ignore[return-value]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(folder.rglob("*"))
        if not p.is_symlink()
    }


def _attack_path(template: str, outside: Path) -> str:
    return template.format(outside=quote(str(outside).lstrip("/")))


@pytest.mark.parametrize("operation", ["PUT", "GET", "DELETE", "LIST"])
@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_attack_is_refused_and_touches_nothing(
    layout: tuple[FastAPI, Path, Path], attack: str, operation: str
) -> None:
    app, root, outside = layout
    before_outside, before_root = _snapshot(outside), _snapshot(root)
    path = _attack_path(attack, outside)
    if operation == "LIST":
        status, body = _raw(app, "GET", f"{PREFIX}/artifacts", f"path={path}")
    else:
        status, body = _raw(app, operation, f"{PREFIX}/artifacts/{path}")
    assert status == 400, body
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "artifact path" in body["message"]
    assert _snapshot(outside) == before_outside
    assert _snapshot(root) == before_root
    assert (outside / "secret.txt").read_text() == "secret"


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_multipart_create_in_an_attack_folder_is_refused(
    layout: tuple[FastAPI, Path, Path], attack: str
) -> None:
    app, root, outside = layout
    before = _snapshot(root)
    path = _attack_path(attack, outside)
    request = json.dumps({"path": "/tmp/f.bin", "num_parts": 1}).encode()
    status, body = _raw(
        app,
        "POST",
        f"{PREFIX}/mpu/create/{path}",
        content=request,
        content_type=b"application/json",
    )
    assert status == 400, body
    assert body["error_code"] == "INVALID_PARAMETER_VALUE"
    assert _snapshot(root) == before


def test_multipart_uses_only_the_base_name_of_the_clients_file(
    layout: tuple[FastAPI, Path, Path], client: TestClient
) -> None:
    _app, _root, outside = layout
    for local_file in ("../../outside/secret.txt", "..\\..\\outside\\secret.txt"):
        created = client.post(
            f"{PREFIX}/mpu/create/run", json={"path": local_file, "num_parts": 1}
        ).json()
        assert "/mpu/part/run/secret.txt?" in created["credentials"][0]["url"]
        part = client.put(created["credentials"][0]["url"], content=b"mine")
        done = client.post(
            f"{PREFIX}/mpu/complete/run",
            json={
                "path": local_file,
                "upload_id": created["upload_id"],
                "parts": [{"part_number": 1, "etag": part.headers["ETag"]}],
            },
        )
        assert done.status_code == 200, done.text
    assert client.get(f"{PREFIX}/artifacts/run/secret.txt").content == b"mine"
    assert (outside / "secret.txt").read_text() == "secret"


def test_the_reserved_folder_is_out_of_reach(client: TestClient) -> None:
    for method in ("PUT", "GET", "DELETE"):
        response = client.request(method, f"{PREFIX}/artifacts/.modelyard/blobs/sha256/ab/cd")
        assert response.status_code == 400
        assert "reserved" in response.json()["message"]
    listing = client.get(f"{PREFIX}/artifacts", params={"path": ".modelyard/blobs"})
    assert listing.status_code == 400
