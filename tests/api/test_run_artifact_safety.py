"""Path attacks on the listings by owner (`artifacts/list?run_id=&path=` and
`logged-models/{id}/artifacts/directories?artifact_directory_path=`): one test per attack form
(the forms of `test_artifact_safety.py`). Each answers 400 INVALID_PARAMETER_VALUE, lists
nothing, and leaves the artifact root and the folder beside it as they were.

The query string goes to the ASGI app raw, percent-encoding kept, as an attacker sends it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from modelyard.config import Settings
from tests.api.test_artifact_safety import ATTACKS, _attack_path, _raw, _snapshot

API = "/api/2.0/mlflow"


def _ok(client: TestClient, method: str, path: str, **kwargs: Any) -> Any:
    response = client.request(method, API + path, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def _folder(root: Path, uri: str) -> Path:
    """The artifact-store folder behind an owner's mlflow-artifacts URI, with a file in it."""
    folder = root / uri.removeprefix("mlflow-artifacts:/")
    folder.mkdir(parents=True)
    (folder / "inside.txt").write_text("inside")
    return folder


@pytest.fixture
def owners(client: TestClient, settings: Settings) -> tuple[FastAPI, Path, Path, str, str]:
    """(app, artifact root, the folder outside it, run id, logged model id)."""
    root = Path(settings.resolved_artifacts())
    outside = root.parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    exp = _ok(client, "POST", "/experiments/create", json={"name": "e"})["experiment_id"]
    run = _ok(client, "POST", "/runs/create", json={"experiment_id": exp})["run"]
    model = _ok(client, "POST", "/logged-models", json={"experiment_id": exp})["model"]
    for uri in (run["info"]["artifact_uri"], model["info"]["artifact_uri"]):
        (_folder(root, uri) / "link").symlink_to(outside, target_is_directory=True)
    app: FastAPI = client.app  # type: ignore[assignment]
    return app, root, outside, run["info"]["run_id"], model["info"]["model_id"]


@pytest.mark.parametrize("owner", ["run", "logged model"])
@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_attack_is_refused_and_lists_nothing(
    owners: tuple[FastAPI, Path, Path, str, str], attack: str, owner: str
) -> None:
    app, root, outside, run_id, model_id = owners
    before_outside, before_root = _snapshot(outside), _snapshot(root)
    path = _attack_path(attack, outside)
    if owner == "run":
        status, body = _raw(app, "GET", f"{API}/artifacts/list", f"run_id={run_id}&path={path}")
    else:
        status, body = _raw(
            app,
            "GET",
            f"{API}/logged-models/{model_id}/artifacts/directories",
            f"artifact_directory_path={path}",
        )
    assert status == 400, body
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "artifact path" in body["message"]
    assert _snapshot(outside) == before_outside
    assert _snapshot(root) == before_root


@pytest.mark.parametrize("path", [".modelyard", ".modelyard/blobs", "a/.modelyard/x"])
def test_the_reserved_folder_cannot_be_listed(
    owners: tuple[FastAPI, Path, Path, str, str], path: str
) -> None:
    app, _root, _outside, run_id, _model_id = owners
    status, body = _raw(app, "GET", f"{API}/artifacts/list", f"run_id={run_id}&path={path}")
    assert status == 400, body
    assert "reserved" in body["message"]


def test_the_symlinked_folder_itself_is_not_listed(
    owners: tuple[FastAPI, Path, Path, str, str], client: TestClient
) -> None:
    _app, _root, _outside, run_id, _model_id = owners
    listing = client.get(f"{API}/artifacts/list", params={"run_id": run_id}).json()
    assert listing["files"] == [{"path": "inside.txt", "is_dir": False, "file_size": 6}]
