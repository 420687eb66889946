"""Artifact listings by owner (`artifacts/list` for runs, `logged-models/{id}/artifacts/
directories`) and `experiments/search-datasets`: MLflow's JSON through the ASGI app."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

API = "/api/2.0/mlflow"
PROXY = "/api/2.0/mlflow-artifacts/artifacts"


def _ok(client: TestClient, method: str, path: str, **kwargs: Any) -> Any:
    response = client.request(method, path, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def _run(client: TestClient, **experiment: Any) -> tuple[str, str, str]:
    """(experiment id, run id, artifact-store folder of the run)."""
    exp = _ok(client, "POST", f"{API}/experiments/create", json={"name": "e", **experiment})
    run = _ok(client, "POST", f"{API}/runs/create", json={"experiment_id": exp["experiment_id"]})
    info = run["run"]["info"]
    return exp["experiment_id"], info["run_id"], info["artifact_uri"]


def _upload(client: TestClient, artifact_uri: str, path: str, data: bytes) -> None:
    folder = artifact_uri.removeprefix("mlflow-artifacts:/")
    _ok(client, "PUT", f"{PROXY}/{folder}/{path}", content=data)


def test_run_artifacts_are_listed_relative_to_the_run_root(client: TestClient) -> None:
    _exp, run_id, uri = _run(client)
    _upload(client, uri, "model/MLmodel", b"flavors: {}")
    _upload(client, uri, "model/sub/weights.bin", b"12345")
    _upload(client, uri, "notes.txt", b"hi")

    root = _ok(client, "GET", f"{API}/artifacts/list", params={"run_id": run_id})
    assert root == {
        "root_uri": uri,
        "files": [
            {"path": "model", "is_dir": True},
            {"path": "notes.txt", "is_dir": False, "file_size": 2},
        ],
    }
    # MLflow's old parameter name, a folder path with a trailing '/', and a page token (ignored)
    nested = _ok(
        client,
        "GET",
        f"{API}/artifacts/list",
        params={"run_uuid": run_id, "path": "model/", "page_token": "anything"},
    )
    assert nested["files"] == [
        {"path": "model/MLmodel", "is_dir": False, "file_size": 11},
        {"path": "model/sub", "is_dir": True},
    ]
    assert "next_page_token" not in nested
    # the same listing through the UI's prefix
    ajax = _ok(client, "GET", "/ajax-api/2.0/mlflow/artifacts/list", params={"run_id": run_id})
    assert ajax == root


def test_an_empty_folder_a_file_or_a_missing_path_lists_nothing(client: TestClient) -> None:
    _exp, run_id, uri = _run(client)
    _upload(client, uri, "notes.txt", b"hi")
    for path in (None, "notes.txt", "missing/folder"):
        params = {"run_id": run_id} | ({} if path is None else {"path": path})
        listing = _ok(client, "GET", f"{API}/artifacts/list", params=params)
        if path is None:
            assert [f["path"] for f in listing["files"]] == ["notes.txt"]
        else:
            assert listing == {"root_uri": uri}


def test_a_deleted_run_is_still_listed_as_mlflow_does(client: TestClient) -> None:
    _exp, run_id, uri = _run(client)
    _upload(client, uri, "a.txt", b"a")
    _ok(client, "POST", f"{API}/runs/delete", json={"run_id": run_id})
    listing = _ok(client, "GET", f"{API}/artifacts/list", params={"run_id": run_id})
    assert [f["path"] for f in listing["files"]] == ["a.txt"]


def test_listing_an_unknown_run_is_not_found(client: TestClient) -> None:
    response = client.get(f"{API}/artifacts/list", params={"run_id": "0" * 32})
    assert response.status_code == 404
    assert response.json() == {
        "error_code": "RESOURCE_DOES_NOT_EXIST",
        "message": f"Run with id={'0' * 32} not found",
    }


def test_a_run_whose_artifacts_are_outside_the_store_is_refused(client: TestClient) -> None:
    _exp, run_id, uri = _run(client, artifact_location="s3://elsewhere/prefix")
    assert uri.startswith("s3://elsewhere/prefix/")
    response = client.get(f"{API}/artifacts/list", params={"run_id": run_id})
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "outside modelyard's artifact store" in body["message"]


def test_logged_model_artifacts_are_listed(client: TestClient) -> None:
    exp, _run_id, _uri = _run(client)
    created = _ok(client, "POST", f"{API}/logged-models", json={"experiment_id": exp})
    info = created["model"]["info"]
    model_id, location = info["model_id"], info["artifact_uri"]
    _upload(client, location, "MLmodel", b"flavors: {}")
    _upload(client, location, "data/model.pkl", b"pickle")
    url = f"{API}/logged-models/{model_id}/artifacts/directories"

    root = _ok(client, "GET", url)
    assert root == {
        "root_uri": location,
        "files": [
            {"path": "MLmodel", "is_dir": False, "file_size": 11},
            {"path": "data", "is_dir": True},
        ],
    }
    data = _ok(client, "GET", url, params={"artifact_directory_path": "data"})
    assert data["files"] == [{"path": "data/model.pkl", "is_dir": False, "file_size": 6}]

    _ok(client, "DELETE", f"{API}/logged-models/{model_id}")
    gone = client.get(url)
    assert gone.status_code == 404
    assert gone.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_search_datasets_summarises_each_context(client: TestClient) -> None:
    exp, run_id, _uri = _run(client)
    other_exp = _ok(client, "POST", f"{API}/experiments/create", json={"name": "other"})
    dataset = {"name": "iris", "digest": "abc", "source_type": "local", "source": "/d"}

    def log(run: str, context: str | None, data: dict[str, str]) -> None:
        tags = [] if context is None else [{"key": "mlflow.data.context", "value": context}]
        body = {"run_id": run, "datasets": [{"dataset": data, "tags": tags}]}
        _ok(client, "POST", f"{API}/runs/log-inputs", json=body)

    log(run_id, "training", dataset)
    second = _ok(client, "POST", f"{API}/runs/create", json={"experiment_id": exp})
    log(second["run"]["info"]["run_id"], "eval", dataset)
    third = _ok(client, "POST", f"{API}/runs/create", json={"experiment_id": exp})
    log(third["run"]["info"]["run_id"], None, {**dataset, "name": "wine", "digest": "def"})

    found = _ok(
        client, "POST", f"{API}/experiments/search-datasets", json={"experiment_ids": [exp]}
    )
    summaries = sorted(found["dataset_summaries"], key=lambda d: (d["name"], d.get("context", "")))
    assert summaries == [
        {"experiment_id": exp, "name": "iris", "digest": "abc", "context": "eval"},
        {"experiment_id": exp, "name": "iris", "digest": "abc", "context": "training"},
        {"experiment_id": exp, "name": "wine", "digest": "def"},
    ]
    none = _ok(
        client,
        "POST",
        f"{API}/experiments/search-datasets",
        json={"experiment_ids": [other_exp["experiment_id"], "999"]},
    )
    assert none == {}


def test_search_datasets_limits_the_experiments(client: TestClient) -> None:
    for ids, message in (
        ([], "must specify at least one experiment_id"),
        ([str(i) for i in range(21)], "cannot specify more than 20 experiment_ids"),
    ):
        response = client.post(f"{API}/experiments/search-datasets", json={"experiment_ids": ids})
        assert response.status_code == 400
        assert message in response.json()["message"]
