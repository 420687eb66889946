"""The way users work, through the real mlflow client against a live server: train, log,
register, pick the best run, load by version, alias and stage, and keep loading a version after
its run and the run's files are gone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import mlflow
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pytest
from mlflow import MlflowClient
from mlflow.models import infer_signature
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from tests.helpers import LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def client(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[MlflowClient]:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.url)
    # set_experiment leaves the experiment id in the environment and a module global: both
    # restored after the test. (delenv of an absent key records nothing to undo; setenv does.)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", "")
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID")
    monkeypatch.setattr(mlflow.tracking.fluent, "_active_experiment_id", None)
    mlflow.set_tracking_uri(server.url)
    yield MlflowClient(server.url)
    mlflow.set_tracking_uri(None)


def _train(c: float) -> tuple[Any, Any, float]:
    x, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(C=c, max_iter=300).fit(x, y)
    return model, x, float(accuracy_score(y, model.predict(x)))


def _log_run(c: float, *, register_as: str | None) -> tuple[str, Any]:
    model, x, accuracy = _train(c)
    with mlflow.start_run() as run:
        mlflow.log_params({"C": c, "max_iter": 300})
        mlflow.log_metric("accuracy", accuracy)
        mlflow.log_metric("test_f1", accuracy - 0.01)
        mlflow.sklearn.log_model(
            model,
            name="model",
            signature=infer_signature(x, model.predict(x)),
            input_example=x.head(3),
            registered_model_name=register_as,
        )
    return run.info.run_id, x


def _model_id(server: LiveServer, name: str, version: str) -> str:
    # The mlflow client drops model_id when it reads a version (its from_proto skips it).
    response = httpx.get(
        f"{server.url}/api/2.0/mlflow/model-versions/get", params={"name": name, "version": version}
    )
    return str(response.json()["model_version"]["model_id"])


def test_train_register_pick_best_load_and_survive_the_run(
    client: MlflowClient, server: LiveServer
) -> None:
    name = "iris-lifecycle"
    mlflow.set_experiment("lifecycle")
    first_run, x = _log_run(0.01, register_as=name)
    v1 = client.get_model_version(name, "1")
    assert (v1.status, v1.run_id) == ("READY", first_run)
    assert _model_id(server, name, "1").startswith("m-")

    v2 = mlflow.register_model(f"runs:/{first_run}/model", name, tags={"stage": "candidate"})
    assert (v2.version, v2.status, v2.tags) == ("2", "READY", {"stage": "candidate"})

    _log_run(10.0, register_as=None)
    experiment = client.get_experiment_by_name("lifecycle")
    assert experiment is not None
    best = client.search_runs(
        [experiment.experiment_id], order_by=["metrics.test_f1 DESC"], max_results=1
    )[0]
    v3 = mlflow.register_model(f"runs:/{best.info.run_id}/model", name)
    assert (v3.version, v3.run_id) == ("3", best.info.run_id)

    client.set_registered_model_alias(name, "champion", "3")
    with pytest.warns(FutureWarning, match="deprecated"):
        client.transition_model_version_stage(name, "3", "Production")
    expected = mlflow.sklearn.load_model(f"models:/{name}/3").predict(x)
    for uri in (f"models:/{name}/3", f"models:/{name}@champion", f"models:/{name}/Production"):
        assert np.array_equal(mlflow.pyfunc.load_model(uri).predict(x), expected), uri
        assert np.array_equal(mlflow.sklearn.load_model(uri).predict(x), expected), uri

    # From the version to its run, the run's experiment, params and metrics.
    run = client.get_run(client.get_model_version(name, "3").run_id)
    assert run.data.params == {"C": "10.0", "max_iter": "300"}
    assert run.data.metrics["test_f1"] == best.data.metrics["test_f1"]
    assert client.get_experiment(run.info.experiment_id).name == "lifecycle"

    # The run, its files and its logged model's files go; the version keeps loading.
    logged = client.get_logged_model(_model_id(server, name, "3"))
    get_artifact_repository(logged.artifact_location).delete_artifacts()
    get_artifact_repository(run.info.artifact_uri).delete_artifacts()
    client.delete_run(run.info.run_id)
    reloaded = mlflow.pyfunc.load_model(f"models:/{name}@champion")
    assert np.array_equal(reloaded.predict(x), expected)


def test_download_uri_is_the_version_s_own_read_only_copy(
    client: MlflowClient, tmp_path: Path
) -> None:
    name = "iris-copies"
    mlflow.set_experiment("copies")
    _log_run(1.0, register_as=name)
    uri = client.get_model_version_download_uri(name, "1")
    assert uri.startswith("mlflow-artifacts:/.modelyard/model-versions/")
    repo = get_artifact_repository(uri)
    names = {f.path for f in repo.list_artifacts()}
    assert {"MLmodel", "requirements.txt"} <= names, names
    local = Path(repo.download_artifacts("MLmodel", dst_path=str(tmp_path)))
    assert "sklearn" in local.read_text()
    with pytest.raises(Exception, match="reserved"):
        repo.log_artifact(str(local))
