"""The mlflow-artifacts proxy routes in process: round trips, MLflow's shapes, bad input."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from modelyard.config import Settings

A = "/api/2.0/mlflow-artifacts"
MiB = 1024 * 1024


def _put(client: TestClient, path: str, data: bytes) -> None:
    response = client.put(f"{A}/artifacts/{path}", content=data)
    assert response.status_code == 200, response.text
    assert response.json() == {}


def test_upload_then_download_round_trips_with_headers(
    client: TestClient, settings: Settings
) -> None:
    data = os.urandom(3 * MiB + 3)
    _put(client, "0/run1/artifacts/model/model.pkl", data)
    on_disk = Path(settings.resolved_artifacts()) / "0/run1/artifacts/model/model.pkl"
    assert hashlib.sha256(on_disk.read_bytes()).digest() == hashlib.sha256(data).digest()
    response = client.get(f"{A}/artifacts/0/run1/artifacts/model/model.pkl")
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-length"] == str(len(data))
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith('attachment; filename="model.pkl"')
    assert response.headers["x-content-type-options"] == "nosniff"


def test_text_files_are_served_as_text_plain_attachments(client: TestClient) -> None:
    _put(client, "r/MLmodel", b"flavors: {}\n")
    response = client.get(f"{A}/artifacts/r/MLmodel")
    assert response.headers["content-type"].startswith("text/plain")
    assert "attachment" in response.headers["content-disposition"]


def test_list_answers_mlflows_shape_with_paths_relative_to_the_folder(client: TestClient) -> None:
    _put(client, "0/r/artifacts/metrics.json", b"{}")
    _put(client, "0/r/artifacts/model/MLmodel", b"abc")
    response = client.get(f"{A}/artifacts", params={"path": "0/r/artifacts"})
    assert response.json() == {
        "files": [
            {"path": "metrics.json", "is_dir": False, "file_size": 2},
            {"path": "model", "is_dir": True},
        ]
    }
    assert client.get(f"{A}/artifacts").json() == {"files": [{"path": "0", "is_dir": True}]}
    assert client.get(f"{A}/artifacts", params={"path": "missing"}).json() == {}
    file_listing = client.get(f"{A}/artifacts", params={"path": "0/r/artifacts/metrics.json"})
    assert file_listing.json() == {}


def test_delete_a_file_a_folder_and_a_missing_path(client: TestClient, settings: Settings) -> None:
    _put(client, "d/a.txt", b"a")
    _put(client, "d/sub/b.txt", b"b")
    assert client.delete(f"{A}/artifacts/d/a.txt").json() == {}
    assert client.get(f"{A}/artifacts/d/a.txt").status_code == 404
    assert client.delete(f"{A}/artifacts/d").status_code == 200
    assert not (Path(settings.resolved_artifacts()) / "d").exists()
    assert client.delete(f"{A}/artifacts/d").status_code == 200


def test_errors_are_mlflow_json_and_never_5xx(client: TestClient) -> None:
    _put(client, "folder/file.txt", b"x")
    cases = {
        ("GET", f"{A}/artifacts/missing.txt"): (404, "RESOURCE_DOES_NOT_EXIST"),
        ("GET", f"{A}/artifacts/folder"): (400, "INVALID_PARAMETER_VALUE"),
        ("GET", f"{A}/artifacts/"): (400, "INVALID_PARAMETER_VALUE"),
        ("PUT", f"{A}/artifacts/"): (400, "INVALID_PARAMETER_VALUE"),
        ("PUT", f"{A}/artifacts/folder"): (400, "INVALID_PARAMETER_VALUE"),
        ("PUT", f"{A}/artifacts/folder/file.txt/below"): (400, "INVALID_PARAMETER_VALUE"),
        ("DELETE", f"{A}/artifacts/"): (400, "INVALID_PARAMETER_VALUE"),
        ("POST", f"{A}/artifacts/x"): (404, "ENDPOINT_NOT_FOUND"),
    }
    for (method, url), (status, code) in cases.items():
        response = client.request(method, url, content=b"data")
        assert (response.status_code, response.json()["error_code"]) == (status, code), url
        assert set(response.json()) == {"error_code", "message"}


def _multipart(client: TestClient, folder: str, local_file: str, parts: list[bytes]) -> None:
    created = client.post(
        f"{A}/mpu/create/{folder}", json={"path": local_file, "num_parts": len(parts)}
    )
    assert created.status_code == 200, created.text
    body = created.json()
    assert [c["part_number"] for c in body["credentials"]] == list(range(1, len(parts) + 1))
    uploaded = []
    for credential, data in zip(body["credentials"], parts, strict=True):
        response = client.put(credential["url"], content=data, headers=credential["headers"])
        assert response.status_code == 200, response.text
        uploaded.append(
            {"part_number": credential["part_number"], "etag": response.headers["ETag"]}
        )
    done = client.post(
        f"{A}/mpu/complete/{folder}",
        json={"path": local_file, "upload_id": body["upload_id"], "parts": uploaded},
    )
    assert done.status_code == 200, done.text


def test_multipart_upload_through_proxied_part_urls(client: TestClient) -> None:
    parts = [os.urandom(MiB), os.urandom(MiB), b"end"]
    _multipart(client, "0/r/artifacts", "/home/me/big.bin", parts)
    assert client.get(f"{A}/artifacts/0/r/artifacts/big.bin").content == b"".join(parts)


def test_multipart_abort_leaves_nothing(client: TestClient, settings: Settings) -> None:
    created = client.post(f"{A}/mpu/create/x", json={"path": "f.bin", "num_parts": 1}).json()
    client.put(created["credentials"][0]["url"], content=b"part")
    aborted = client.post(
        f"{A}/mpu/abort/x", json={"path": "f.bin", "upload_id": created["upload_id"]}
    )
    assert aborted.status_code == 200
    assert client.get(f"{A}/artifacts/x/f.bin").status_code == 404
    assert list((Path(settings.resolved_artifacts()) / ".modelyard" / "uploads").iterdir()) == []


BAD_MULTIPART = {
    "not JSON": (b"{not json", "application/json"),
    "wrong content type": (b'{"path": "f.bin"}', "text/plain"),
    "no path": (b'{"num_parts": 1}', "application/json"),
    "zero parts": (b'{"path": "f.bin", "num_parts": 0}', "application/json"),
    "too many parts": (b'{"path": "f.bin", "num_parts": 10001}', "application/json"),
    "parts as text": (b'{"path": "f.bin", "num_parts": "two"}', "application/json"),
    "path is a number": (b'{"path": 5}', "application/json"),
    "a list": (b"[1, 2]", "application/json"),
    "traversal in the file name": (b'{"path": "/tmp/.."}', "application/json"),
}


@pytest.mark.parametrize(("body", "content_type"), BAD_MULTIPART.values(), ids=BAD_MULTIPART)
def test_malformed_multipart_create_is_400(
    client: TestClient, body: bytes, content_type: str
) -> None:
    response = client.post(
        f"{A}/mpu/create/x", content=body, headers={"content-type": content_type}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_a_huge_multipart_body_is_refused_without_holding_it(client: TestClient) -> None:
    body = b'{"path": "' + b"a" * (33 * MiB) + b'"}'
    response = client.post(
        f"{A}/mpu/create/x", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "larger than" in response.json()["message"]


def test_malformed_complete_abort_and_part_requests_are_4xx(client: TestClient) -> None:
    created = client.post(f"{A}/mpu/create/x", json={"path": "f.bin", "num_parts": 1}).json()
    upload_id = created["upload_id"]
    bad = [
        ("POST", f"{A}/mpu/complete/x", {"path": "f.bin", "upload_id": upload_id}),
        ("POST", f"{A}/mpu/complete/x", {"path": "f.bin", "upload_id": upload_id, "parts": [{}]}),
        ("POST", f"{A}/mpu/complete/x", {"path": "f.bin", "parts": []}),
        (
            "POST",
            f"{A}/mpu/complete/x",
            {"path": "f.bin", "upload_id": "../../etc", "parts": [{"part_number": 1, "etag": "e"}]},
        ),
        (
            "POST",
            f"{A}/mpu/complete/x",
            {"path": "f.bin", "upload_id": upload_id, "parts": [{"part_number": 1, "etag": "e"}]},
        ),
        (
            "POST",
            f"{A}/mpu/complete/other",
            {"path": "f.bin", "upload_id": upload_id, "parts": [{"part_number": 1, "etag": "e"}]},
        ),
        ("POST", f"{A}/mpu/abort/x", {"path": "f.bin"}),
        ("POST", f"{A}/mpu/abort/x", {"path": "f.bin", "upload_id": "../../etc"}),
    ]
    for method, url, payload in bad:
        response = client.request(method, url, json=payload)
        assert 400 <= response.status_code < 500, (url, payload, response.text)
        assert set(response.json()) == {"error_code", "message"}
    for query in ("", "upload_id=x", f"upload_id={upload_id}&part_number=abc", "part_number=1"):
        response = client.put(f"{A}/mpu/part/x/f.bin?{query}", content=b"data")
        assert response.status_code == 400, (query, response.text)
    unknown = client.put(
        f"{A}/mpu/part/x/f.bin?upload_id={'0' * 32}&part_number=1", content=b"data"
    )
    assert unknown.status_code == 404
