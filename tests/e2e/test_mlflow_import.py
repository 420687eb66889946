"""`modelyard import mlflow` from a real `mlflow server` (mlflow 3.17.2, SQLite, proxied
artifacts) into a live modelyard server: models, versions with their files and numbers (a
version deleted in MLflow included), descriptions, tags, run ids, stages and aliases arrive;
the imported model predicts as the original; a dry run changes nothing; a re-run skips."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import mlflow
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from tests.helpers import LiveServer, free_port, live_server, wait_until

pytestmark = [
    pytest.mark.e2e,
    # MLflow registries carry stages, so the test sets and reads them; the client warns that
    # they are deprecated.
    pytest.mark.filterwarnings("ignore:.*Model registry stages will be removed:FutureWarning"),
]

MODEL = "iris-import"
OTHER = "iris-import-other"
GUARDED = "iris-import-guarded"


@pytest.fixture(scope="module")
def mlflow_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `mlflow server` in a session of its own (its workers are stopped with it)."""
    folder = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    command = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", f"sqlite:///{folder}/mlflow.db",
        "--artifacts-destination", str(folder / "artifacts"),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MODELYARD_"))}
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError((folder / "server.log").read_text())
        return httpx.get(f"{url}/health", timeout=2).status_code == 200

    try:
        wait_until(healthy, timeout=120, what="mlflow server /health")
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def modelyard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(data_dir=tmp_path_factory.mktemp("modelyard-import")) as server:
        yield server


@contextlib.contextmanager
def tracking(url: str) -> Iterator[MlflowClient]:
    """mlflow's fluent API against `url`. set_tracking_uri, set_registry_uri and set_experiment
    also write MLFLOW_* environment variables and module globals: all are put back after, or
    later tests in this process would talk to this (by then stopped) server."""
    keys = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_ID")
    saved = {key: os.environ.pop(key, None) for key in keys}
    registry_utils = mlflow.tracking._model_registry.utils
    try:
        mlflow.set_tracking_uri(url)
        mlflow.set_registry_uri(url)
        yield MlflowClient(url, url)
    finally:
        mlflow.set_tracking_uri(None)
        registry_utils._registry_uri = None
        mlflow.tracking.fluent._active_experiment_id = None
        for key, value in saved.items():
            os.environ.pop(key, None)
            if value is not None:
                os.environ[key] = value


@dataclass(frozen=True)
class Source:
    url: str
    rows: pd.DataFrame
    run_ids: dict[int, str]
    predictions: list[int]  # of version 3 (the champion) on `rows`


@pytest.fixture(scope="module")
def source(mlflow_url: str) -> Source:
    """MLflow holds MODEL versions 1 and 3 (2 was deleted), with tags, descriptions, stages
    and aliases, and OTHER with one version."""
    X, y = load_iris(return_X_y=True, as_frame=True)
    run_ids: dict[int, str] = {}
    with tracking(mlflow_url) as client:
        mlflow.set_experiment("import-test")
        for number, c in enumerate((0.05, 0.5, 5.0), start=1):
            with mlflow.start_run() as run:
                model = LogisticRegression(C=c, max_iter=300).fit(X, y)
                mlflow.log_param("C", c)
                mlflow.sklearn.log_model(model, name="model", registered_model_name=MODEL)
                run_ids[number] = run.info.run_id
        client.update_registered_model(MODEL, description="Iris classifiers")
        client.set_registered_model_tag(MODEL, "team", "ml")
        client.update_model_version(MODEL, "1", description="the first try")
        client.set_model_version_tag(MODEL, "1", "validated", "false")
        client.set_model_version_tag(MODEL, "3", "validated", "true")
        client.delete_model_version(MODEL, "2")
        client.transition_model_version_stage(MODEL, "1", "Production")
        client.transition_model_version_stage(MODEL, "3", "Staging")
        client.set_registered_model_alias(MODEL, "champion", "3")
        client.set_registered_model_alias(MODEL, "challenger", "1")
        with mlflow.start_run():
            small = LogisticRegression(max_iter=300).fit(X, y)
            mlflow.sklearn.log_model(small, name="model", registered_model_name=OTHER)
        rows = X.sample(10, random_state=0)
        predictions = mlflow.pyfunc.load_model(f"models:/{MODEL}@champion").predict(rows)
    return Source(mlflow_url, rows, run_ids, [int(p) for p in predictions])


def _import(source: str, target: str, *args: str) -> subprocess.CompletedProcess[str]:
    # The mlflow client's own settings (no retries, from the e2e conftest) are kept.
    unset = ("MODELYARD_", "MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")
    env = {k: v for k, v in os.environ.items() if not k.startswith(unset)}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "modelyard", "import", "mlflow", "--from", source, "--url", target,
         *args],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip


def test_dry_run_changes_nothing(source: Source, modelyard: LiveServer) -> None:
    done = _import(source.url, modelyard.url, "--dry-run", "--model", MODEL, "--json")
    assert done.returncode == 0, done.stderr
    (planned,) = json.loads(done.stdout)
    assert planned["result"] == "would-import"
    assert planned["versions"] == [1, 3]
    assert planned["stages"] == {"1": "Production", "3": "Staging"}
    assert planned["aliases"] == {"champion": 3, "challenger": 1}
    with tracking(modelyard.url) as client:
        assert client.search_registered_models() == []


def test_import_copies_models_versions_files_stages_and_aliases(
    source: Source, modelyard: LiveServer, tmp_path: Path
) -> None:
    done = _import(source.url, modelyard.url)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "2 model(s): 2 imported." in done.stdout
    assert "version 2 was deleted in MLflow" in done.stdout

    with tracking(modelyard.url) as client:
        model = client.get_registered_model(MODEL)
        assert model.description == "Iris classifiers"
        assert model.tags == {"team": "ml"}
        assert model.aliases == {"champion": "3", "challenger": "1"}
        versions = {int(v.version): v for v in client.search_model_versions(f"name='{MODEL}'")}
        assert sorted(versions) == [1, 3]
        one, three = versions[1], versions[3]
        assert (one.current_stage, three.current_stage) == ("Production", "Staging")
        assert one.description == "the first try"
        assert (one.run_id, three.run_id) == (source.run_ids[1], source.run_ids[3])
        assert one.tags["validated"] == "false"
        assert three.tags["validated"] == "true"
        assert three.tags["modelyard.imported_from"] == source.url
        assert three.tags["modelyard.original_source"].startswith("models:/m-")
        assert {v.status for v in versions.values()} == {"READY"}
        assert [v.version for v in client.search_model_versions(f"name='{OTHER}'")] == ["1"]

        loaded = mlflow.pyfunc.load_model(f"models:/{MODEL}@champion")
        assert [int(p) for p in loaded.predict(source.rows)] == source.predictions

    # The files are modelyard's own, checked copies: the same bytes as in MLflow.
    manifest = httpx.get(f"{modelyard.url}/api/v1/models/{MODEL}/versions/3/files").json()
    copied = {f["path"]: f["sha256"] for f in manifest["manifest"]["files"]}
    with tracking(source.url) as client:
        where = client.get_model_version_download_uri(MODEL, "3")
        original = Path(mlflow.artifacts.download_artifacts(where, dst_path=str(tmp_path)))
    assert copied == {
        p.relative_to(original).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in original.rglob("*")
        if p.is_file()
    }
    assert "MLmodel" in copied
    # The staging copy the import uploaded is gone; the version does not need it.
    listed = httpx.get(
        f"{modelyard.url}/api/2.0/mlflow-artifacts/artifacts", params={"path": "imports/mlflow"}
    ).json()
    assert listed == {}


def test_a_rerun_skips_what_is_there(source: Source, modelyard: LiveServer) -> None:
    again = _import(source.url, modelyard.url, "--json")
    assert again.returncode == 0, again.stderr
    assert {o["name"]: o["result"] for o in json.loads(again.stdout)} == {
        MODEL: "skipped",
        OTHER: "skipped",
    }


def test_errors_are_one_line(source: Source, modelyard: LiveServer) -> None:
    unknown = _import(source.url, modelyard.url, "--model", "no-such-model")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("error: MLflow at ")
    assert "Traceback" not in unknown.stderr
    same = _import(source.url, source.url)
    assert same.returncode == 2
    assert "the source and the target are the same server" in same.stderr.lower()
    into_mlflow = _import(modelyard.url, source.url)
    assert into_mlflow.returncode == 2
    assert into_mlflow.stderr.strip() == f"error: {source.url} is not a modelyard server."


def test_a_policy_refusal_and_a_conflict_are_reported(
    source: Source, modelyard: LiveServer
) -> None:
    """Runs after the import above: modelyard's policy applies to imported stages, and a
    model that gained versions in modelyard is left alone."""
    with tracking(source.url) as client:
        client.copy_model_version(f"models:/{MODEL}/1", GUARDED)
        client.transition_model_version_stage(GUARDED, "1", "Production")
    policy = {"rules": [{"stage": "Production", "from_stage": "Staging"}]}
    put = httpx.put(f"{modelyard.url}/api/v1/policies/default", json={"policy": policy})
    assert put.status_code == 200, put.text
    with tracking(modelyard.url) as client:
        client.create_model_version(OTHER, f"models:/{OTHER}/1")

    done = _import(source.url, modelyard.url, "--model", GUARDED, "--model", OTHER, "--json")
    assert done.returncode == 1, done.stderr
    outcomes = {o["name"]: o for o in json.loads(done.stdout)}
    assert outcomes[GUARDED]["result"] == "imported"
    (warning,) = outcomes[GUARDED]["warnings"]
    assert warning.startswith("version 1 not moved to Production: Policy check failed")
    assert outcomes[OTHER]["result"] == "conflict"
    assert "already in modelyard with versions 1, 2, MLflow has 1" in outcomes[OTHER]["notes"][0]
    with tracking(modelyard.url) as client:
        assert client.get_model_version(GUARDED, "1").current_stage == "None"
        assert len(client.search_model_versions(f"name='{OTHER}'")) == 2
