"""The artifact proxy with `--artifacts s3://bucket/prefix`, against a real HTTP S3-compatible
server (moto's): the routes stream to and from the bucket, multipart included."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from modelyard.api.app import create_app
from modelyard.config import Settings
from tests.artifacts.s3server import CREDENTIALS, S3Server, s3_server

A = "/api/2.0/mlflow-artifacts"
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture
def s3_client(
    s3: S3Server, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike[str]
) -> Iterator[tuple[TestClient, S3Server, str]]:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    bucket = s3.new_bucket()
    settings = Settings(
        database_url=db_url,
        data_dir=tmp_path,
        artifacts=f"s3://{bucket}/team/artifacts",
        s3_endpoint_url=s3.endpoint_url,
    )
    with TestClient(create_app(settings)) as client:
        yield client, s3, bucket


def test_round_trip_list_and_delete_through_s3(s3_client: tuple[TestClient, S3Server, str]) -> None:
    client, s3, bucket = s3_client
    data = os.urandom(9 * MiB + 1)  # more than one 8 MiB part: an S3 multipart upload
    assert client.put(f"{A}/artifacts/0/r/artifacts/model.bin", content=data).status_code == 200
    client.put(f"{A}/artifacts/0/r/artifacts/sub/a.txt", content=b"abc")
    with s3.client() as boto:
        head = boto.head_object(Bucket=bucket, Key="team/artifacts/0/r/artifacts/model.bin")
    assert head["ContentLength"] == len(data)
    download = client.get(f"{A}/artifacts/0/r/artifacts/model.bin")
    assert download.content == data
    assert download.headers["content-length"] == str(len(data))
    assert client.get(f"{A}/artifacts", params={"path": "0/r/artifacts"}).json() == {
        "files": [
            {"path": "model.bin", "is_dir": False, "file_size": len(data)},
            {"path": "sub", "is_dir": True},
        ]
    }
    assert client.delete(f"{A}/artifacts/0/r").status_code == 200
    assert client.get(f"{A}/artifacts", params={"path": "0"}).json() == {}
    assert client.get(f"{A}/artifacts/0/r/artifacts/model.bin").status_code == 404


def test_multipart_through_s3(s3_client: tuple[TestClient, S3Server, str]) -> None:
    client, _s3, _bucket = s3_client
    parts = [os.urandom(5 * MiB), b"last part"]
    created = client.post(f"{A}/mpu/create/0/r", json={"path": "/x/big.bin", "num_parts": 2})
    body = created.json()
    uploaded = []
    for credential, data in zip(body["credentials"], parts, strict=True):
        response = client.put(credential["url"], content=data)
        assert response.status_code == 200, response.text
        uploaded.append(
            {"part_number": credential["part_number"], "etag": response.headers["ETag"]}
        )
    done = client.post(
        f"{A}/mpu/complete/0/r",
        json={"path": "/x/big.bin", "upload_id": body["upload_id"], "parts": uploaded},
    )
    assert done.status_code == 200, done.text
    assert client.get(f"{A}/artifacts/0/r/big.bin").content == b"".join(parts)


def test_s3_errors_are_4xx(s3_client: tuple[TestClient, S3Server, str]) -> None:
    client, _s3, _bucket = s3_client
    client.put(f"{A}/artifacts/d/f.txt", content=b"x")
    assert client.get(f"{A}/artifacts/missing").status_code == 404
    assert client.get(f"{A}/artifacts/d").status_code == 400
    assert client.put(f"{A}/artifacts/d", content=b"x").status_code == 400
    assert client.get(f"{A}/artifacts/..%2fescape").status_code == 400
