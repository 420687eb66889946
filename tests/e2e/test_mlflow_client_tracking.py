"""The real `mlflow` client (fluent API and MlflowClient) against a live `modelyard server`, on
SQLite and on PostgreSQL: experiments, runs, params, metrics, tags, dataset inputs, run search,
metric history, MLflow 3 logged models, and `mlflow.sklearn.log_model` (its files go through the
mlflow-artifacts proxy).

One server per backend for the whole module; every test uses experiment names of its own.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import mlflow
import mlflow.artifacts
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException
from sklearn.linear_model import LogisticRegression

from tests.helpers import LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def client(server: LiveServer) -> Iterator[MlflowClient]:
    mlflow.set_tracking_uri(server.url)
    try:
        yield MlflowClient(tracking_uri=server.url)
    finally:
        if mlflow.active_run() is not None:
            mlflow.end_run()
        mlflow.set_tracking_uri(None)


@pytest.fixture
def experiment_name() -> str:
    return f"exp-{uuid.uuid4().hex[:12]}"


def test_the_default_experiment_exists(client: MlflowClient) -> None:
    default = client.get_experiment("0")
    assert default.name == "Default"
    assert default.artifact_location == "mlflow-artifacts:/0"
    assert client.get_experiment_by_name("Default").experiment_id == "0"


def test_a_training_run_is_logged_and_the_best_run_is_found(
    client: MlflowClient, experiment_name: str
) -> None:
    experiment = mlflow.set_experiment(experiment_name)
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
    run_ids = []
    for i, f1 in enumerate([0.61, 0.93, 0.75]):
        with mlflow.start_run(run_name=f"trial-{i}") as run:
            mlflow.log_param("alpha", i)
            mlflow.log_params({"solver": "lbfgs", "depth": str(i + 2)})
            for step in range(3):
                mlflow.log_metric("loss", 1.0 / (step + 1 + i), step=step)
            mlflow.log_metrics({"test_f1": f1, "nan_metric": math.nan})
            mlflow.set_tag("team", "churn")
            mlflow.log_input(mlflow.data.from_pandas(frame, name="train"), context="training")
            run_ids.append(run.info.run_id)

    best = mlflow.search_runs(
        experiment_ids=[experiment.experiment_id],
        order_by=["metrics.test_f1 DESC"],
        max_results=1,
        output_format="list",
    )
    assert [r.info.run_id for r in best] == [run_ids[1]]
    found = best[0]
    assert found.info.run_name == "trial-1"
    assert found.info.status == "FINISHED"
    assert found.info.artifact_uri == (
        f"mlflow-artifacts:/{experiment.experiment_id}/{run_ids[1]}/artifacts"
    )
    assert found.data.params == {"alpha": "1", "solver": "lbfgs", "depth": "3"}
    assert found.data.metrics["test_f1"] == 0.93
    assert math.isnan(found.data.metrics["nan_metric"])
    assert found.data.tags["team"] == "churn"
    [dataset_input] = found.inputs.dataset_inputs
    assert dataset_input.dataset.name == "train"
    assert {t.key: t.value for t in dataset_input.tags}["mlflow.data.context"] == "training"

    history = client.get_metric_history(run_ids[1], "loss")
    assert [(m.step, m.value) for m in history] == [(0, 0.5), (1, 1 / 3), (2, 0.25)]

    frame_runs = mlflow.search_runs(
        experiment_ids=[experiment.experiment_id],
        filter_string="metrics.test_f1 > 0.7 and params.solver = 'lbfgs' and tags.team = 'churn'",
        order_by=["params.depth ASC"],
    )
    assert list(frame_runs["run_id"]) == [run_ids[1], run_ids[2]]
    by_dataset = client.search_runs(
        [experiment.experiment_id], "datasets.name = 'train' and attributes.run_name LIKE 'trial-%'"
    )
    assert len(by_dataset) == 3


def test_log_batch_and_changing_a_param_is_refused(
    client: MlflowClient, experiment_name: str
) -> None:
    experiment_id = client.create_experiment(experiment_name, tags={"owner": "ml"})
    run = client.create_run(experiment_id, run_name="batch")
    client.log_batch(
        run.info.run_id,
        metrics=[Metric("m", float(v), 1000 + v, v) for v in range(1000)],
        params=[Param(f"p{i}", str(i)) for i in range(100)],
        tags=[RunTag("k", "v")],
    )
    loaded = client.get_run(run.info.run_id)
    assert loaded.data.metrics["m"] == 999.0
    assert len(loaded.data.params) == 100
    with pytest.raises(MlflowException, match="Changing param values is not allowed"):
        client.log_param(run.info.run_id, "p1", "changed")
    client.log_param(run.info.run_id, "p1", "1")  # the same value again is fine
    client.delete_tag(run.info.run_id, "k")
    assert "k" not in client.get_run(run.info.run_id).data.tags


def test_runs_and_experiments_are_deleted_and_restored(
    client: MlflowClient, experiment_name: str
) -> None:
    experiment_id = client.create_experiment(experiment_name)
    run = client.create_run(experiment_id)
    client.delete_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    assert client.search_runs([experiment_id]) == []
    deleted = client.search_runs([experiment_id], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [run.info.run_id]
    client.restore_run(run.info.run_id)
    assert len(client.search_runs([experiment_id])) == 1

    client.rename_experiment(experiment_id, experiment_name + "-renamed")
    client.set_experiment_tag(experiment_id, "stage", "dev")
    experiment = client.get_experiment_by_name(experiment_name + "-renamed")
    assert experiment is not None
    assert experiment.tags == {"stage": "dev"}
    client.delete_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "deleted"
    assert client.get_experiment_by_name(experiment_name) is None
    names = {e.name for e in client.search_experiments(filter_string="name LIKE 'exp-%'")}
    assert experiment_name + "-renamed" not in names
    client.restore_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "active"
    with pytest.raises(MlflowException, match="already exists"):
        client.create_experiment(experiment_name + "-renamed")


def test_logged_models(client: MlflowClient, experiment_name: str) -> None:
    experiment = mlflow.set_experiment(experiment_name)
    external = mlflow.create_external_model(name="external", model_type="agent")
    assert external.status.to_proto() == 2  # LOGGED_MODEL_READY
    with mlflow.start_run() as run:
        pending = mlflow.initialize_logged_model(
            name="clf", params={"depth": "3"}, tags={"team": "churn"}
        )
        assert pending.artifact_location == (
            f"mlflow-artifacts:/{experiment.experiment_id}/models/{pending.model_id}/artifacts"
        )
        mlflow.log_metric("acc", 0.9, model_id=pending.model_id)
        ready = mlflow.finalize_logged_model(pending.model_id, "READY")
    assert ready.source_run_id == run.info.run_id
    assert ready.params == {"depth": "3"}
    assert ready.tags["team"] == "churn"
    assert [(m.key, m.value) for m in ready.metrics] == [("acc", 0.9)]

    found = mlflow.search_logged_models(
        experiment_ids=[experiment.experiment_id],
        filter_string="name = 'clf'",
        output_format="list",
    )
    assert [m.model_id for m in found] == [pending.model_id]
    client.set_logged_model_tags(pending.model_id, {"k": "v"})
    client.delete_logged_model_tag(pending.model_id, "team")
    tags = client.get_logged_model(pending.model_id).tags
    assert tags["k"] == "v"
    assert "team" not in tags
    client.delete_logged_model(pending.model_id)
    with pytest.raises(MlflowException, match="not found"):
        client.get_logged_model(pending.model_id)


def test_sklearn_log_model_creates_a_ready_logged_model(
    client: MlflowClient, experiment_name: str
) -> None:
    """What `mlflow.sklearn.log_model` calls on the tracking API (files go through the
    mlflow-artifacts proxy), and loading the model back by its `models:/<model_id>` URI."""
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    experiment = mlflow.set_experiment(experiment_name)
    with mlflow.start_run() as run:
        mlflow.log_param("C", 1.0)
        info = mlflow.sklearn.log_model(LogisticRegression().fit(x, y), name="model")
    model = client.get_logged_model(info.model_id)
    assert model.status.to_proto() == 2  # LOGGED_MODEL_READY
    assert model.source_run_id == run.info.run_id
    assert model.experiment_id == experiment.experiment_id
    outputs = client.get_run(run.info.run_id).outputs.model_outputs
    assert [o.model_id for o in outputs] == [info.model_id]
    found = client.search_logged_models([experiment.experiment_id], filter_string="name = 'model'")
    assert [m.model_id for m in found] == [info.model_id]
    loaded = mlflow.pyfunc.load_model(f"models:/{info.model_id}")
    assert list(loaded.predict(x)) == [0, 0, 1, 1]


def test_run_artifacts_are_listed_and_downloaded(
    client: MlflowClient, server: LiveServer, experiment_name: str, tmp_path: Path
) -> None:
    """`mlflow.log_artifact`, then the client's listing and download by run id; and the server's
    own listing by run id (`artifacts/list`, what the UI calls) agrees with the client's."""
    mlflow.set_experiment(experiment_name)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(notes))
        mlflow.log_artifact(str(notes), artifact_path="docs/2025")
    run_id = run.info.run_id

    listed = [(f.path, f.is_dir, f.file_size) for f in client.list_artifacts(run_id)]
    assert listed == [("docs", True, None), ("notes.txt", False, 5)]
    assert [f.path for f in client.list_artifacts(run_id, "docs")] == ["docs/2025"]

    out = tmp_path / "out"
    out.mkdir()
    got = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="docs/2025/notes.txt", dst_path=str(out)
    )
    assert Path(got).read_text() == "hello"
    folder = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="docs")
    assert (Path(folder) / "2025" / "notes.txt").read_text() == "hello"

    served = httpx.get(
        f"{server.url}/api/2.0/mlflow/artifacts/list", params={"run_id": run_id}
    ).json()
    assert served["root_uri"] == run.info.artifact_uri
    assert [(f["path"], f["is_dir"], f.get("file_size")) for f in served["files"]] == listed


def test_logged_model_artifacts_are_listed_by_model_id(
    client: MlflowClient, server: LiveServer, experiment_name: str
) -> None:
    x = np.array([[0.0], [1.0]])
    mlflow.set_experiment(experiment_name)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(LogisticRegression().fit(x, [0, 1]), name="model")
    by_client = sorted(f.path for f in client.list_logged_model_artifacts(info.model_id))
    assert "MLmodel" in by_client
    served = httpx.get(
        f"{server.url}/api/2.0/mlflow/logged-models/{info.model_id}/artifacts/directories"
    ).json()
    assert sorted(f["path"] for f in served["files"]) == by_client
