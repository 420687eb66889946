"""Register model versions with the plain mlflow client, two ways:

1. while logging: `log_model(..., registered_model_name=...)` logs and registers in one call;
2. from a finished run: compare runs first, then register the best run's model with
   `mlflow.register_model(...)`.

Run it against a modelyard server: MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python
examples/register_models.py
"""

from __future__ import annotations

import mlflow
from _common import train_and_log
from mlflow import MlflowClient

NAME = "wine-classifier"

mlflow.set_experiment("wine")
client = MlflowClient()

# 1. Register while logging: the new version's source is the logged model.
logged = train_and_log(c=1.0, register_as=NAME)
print(f"registered while logging: {NAME} version {logged.version} (run {logged.run_id})")

# 2. Register from a run: try two settings without registering, keep the better one.
candidates = [train_and_log(c=c) for c in (0.1, 0.001)]
experiment = client.get_experiment_by_name("wine")
assert experiment is not None
best = client.search_runs(
    [experiment.experiment_id],
    filter_string="params.C IN ('0.1', '0.001')",
    order_by=["metrics.test_accuracy DESC"],
    max_results=1,
)[0]
# MLflow 3 keeps the run's model as a logged model; register it by its id
# (`runs:/<run id>/model` works too: mlflow resolves it to the same logged model).
model_id = best.outputs.model_outputs[0].model_id
version = mlflow.register_model(f"models:/{model_id}", NAME, tags={"selected_by": "test_accuracy"})
client.update_model_version(
    NAME, version.version, description=f"best of {len(candidates)} runs by test_accuracy"
)
print(
    f"registered from run {best.info.run_id} (C={best.data.params['C']}, "
    f"test_accuracy={best.data.metrics['test_accuracy']:.3f}): {NAME} version {version.version}"
)

# Each version keeps its own copy of the files: it loads even if the run is deleted later.
for v in client.search_model_versions(f"name = '{NAME}'", order_by=["version_number DESC"])[:2]:
    print(f"  version {v.version}: status {v.status}, source {v.source}, tags {v.tags}")
