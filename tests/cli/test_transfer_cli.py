"""`modelyard upload` and `modelyard download` as subprocesses against a live server: files go
up through the artifact proxy, become a version, come back byte for byte; a corrupted blob is
refused and leaves nothing behind; errors are one line with exit status 2."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import LiveServer, live_server

MLFLOW = "/api/2.0/mlflow"
BIG = 3 * (1 << 20) + 12345  # several 1 MiB blocks and a short last one


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("transfer")
    with live_server(data_dir=data_dir, extra_args=["--external-sources", "s3://bucket/"]) as s:
        yield s


def _cli(
    server: LiveServer, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODELYARD_", "MLFLOW_"))}
    env.update(MODELYARD_URL=server.url, COLUMNS="120")
    return subprocess.run(
        [sys.executable, "-m", "modelyard", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def _model_folder(root: Path) -> dict[str, bytes]:
    files = {
        "MLmodel": b"flavors: {}\n",
        "weights/big.bin": os.urandom(BIG),
        "weights/nested/small.txt": b"hello",
        "empty.txt": b"",
    }
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content)
    return files


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _register(server: LiveServer, name: str, source: str, alias: str | None = None) -> None:
    with httpx.Client(base_url=server.url + MLFLOW) as http:
        http.post("/registered-models/create", json={"name": name}).raise_for_status()
        made = http.post("/model-versions/create", json={"name": name, "source": source})
        made.raise_for_status()
        assert made.json()["model_version"]["status"] == "READY"
        if alias:
            body = {"name": name, "alias": alias, "version": "1"}
            http.post("/registered-models/alias", json=body).raise_for_status()


def test_upload_register_download_round_trip(server: LiveServer, tmp_path: Path) -> None:
    files = _model_folder(tmp_path / "model")

    up = _cli(server, "upload", str(tmp_path / "model"), "staging/churn/1", "--json")
    assert up.returncode == 0, up.stderr
    uploaded = json.loads(up.stdout)
    assert uploaded["uri"] == "mlflow-artifacts:/staging/churn/1"
    assert {f["path"]: f["size"] for f in uploaded["files"]} == {
        k: len(v) for k, v in files.items()
    }
    listed = httpx.get(
        f"{server.url}/api/2.0/mlflow-artifacts/artifacts", params={"path": "staging/churn/1"}
    ).json()
    assert {f["path"] for f in listed["files"]} == {"MLmodel", "weights", "empty.txt"}

    _register(server, "churn", uploaded["uri"], alias="champion")
    got = _cli(server, "download", "models:/churn@champion", "--dest", str(tmp_path / "out"))
    assert got.returncode == 0, got.stderr
    assert "churn version 1: 4 file(s)" in got.stdout
    assert "sha256 checked" in got.stdout
    assert _tree(tmp_path / "out") == files

    # By number, into the default folder NAME-VERSION, with --json.
    by_number = _cli(server, "download", "models:/churn/1", "--json", cwd=tmp_path)
    assert by_number.returncode == 0, by_number.stderr
    shown = json.loads(by_number.stdout)
    assert shown["dest"] == "churn-1"
    assert {f["path"]: f["sha256"] for f in shown["files"]} == {
        k: hashlib.sha256(v).hexdigest() for k, v in files.items()
    }
    assert _tree(tmp_path / "churn-1") == files


def test_upload_one_file_goes_under_the_folder(server: LiveServer, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("v1 notes")
    up = _cli(server, "upload", str(tmp_path / "notes.txt"), "docs/run-7")
    assert up.returncode == 0, up.stderr
    assert "1 file(s), 8 bytes, uploaded to mlflow-artifacts:/docs/run-7" in up.stdout
    got = httpx.get(f"{server.url}/api/2.0/mlflow-artifacts/artifacts/docs/run-7/notes.txt")
    assert got.content == b"v1 notes"


def test_a_corrupted_file_is_refused_and_not_written(server: LiveServer, tmp_path: Path) -> None:
    content = b"the real weights " * 1000
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "weights.bin").write_bytes(content)
    assert _cli(server, "upload", str(tmp_path / "model"), "staging/fraud").returncode == 0
    _register(server, "fraud", "mlflow-artifacts:/staging/fraud")
    digest = hashlib.sha256(content).hexdigest()
    blob = server.data_dir / "artifacts" / ".modelyard/blobs/sha256" / digest[:2] / digest[2:]
    blob.write_bytes(b"X" + content[1:])  # same size, other bytes

    got = _cli(server, "download", "models:/fraud/1", "--dest", str(tmp_path / "out"))
    assert got.returncode == 2
    assert got.stderr.startswith("error: ")
    assert "Traceback" not in got.stderr
    assert not (tmp_path / "out" / "weights.bin").exists()
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]


def test_errors_are_one_line_with_status_2(server: LiveServer, tmp_path: Path) -> None:
    missing = _cli(server, "download", "models:/nope/1")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: Registered Model with name=nope not found")
    assert len(missing.stderr.strip().splitlines()) == 1

    bad_uri = _cli(server, "download", "runs:/abc/model")
    assert bad_uri.returncode == 2
    assert "Expected models:/NAME/VERSION" in bad_uri.stderr

    with httpx.Client(base_url=server.url + MLFLOW) as http:
        http.post("/registered-models/create", json={"name": "ext"}).raise_for_status()
        body = {"name": "ext", "source": "s3://bucket/ext/1"}
        http.post("/model-versions/create", json=body).raise_for_status()
    external = _cli(server, "download", "models:/ext/1")
    assert external.returncode == 2
    assert "references files modelyard does not keep" in external.stderr

    (tmp_path / "a.txt").write_text("a")
    unreachable = _cli(server, "upload", str(tmp_path), "x", "--url", "http://127.0.0.1:9")
    assert unreachable.returncode == 2
    assert unreachable.stderr.startswith("error: Cannot reach modelyard at http://127.0.0.1:9")
