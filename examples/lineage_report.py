"""A lineage report to JSON: everything modelyard knows about one version in a single document
(run, params, metrics, training data, logged model, files with their digest, stage and alias
history, approvals, deployments), written to a file for an audit or a model card.

    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python examples/lineage_report.py [OUTPUT.json]
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import mlflow
from _common import train_and_log
from mlflow import MlflowClient

from modelyard.client import LineageClient

NAME = "wine-lineage"
warnings.filterwarnings("ignore", ".*Model registry stages", FutureWarning)

mlflow.set_experiment("wine")
client = MlflowClient()
version = train_and_log(c=0.1, register_as=NAME).version
assert version is not None
client.transition_model_version_stage(NAME, version, "Staging")
client.set_registered_model_alias(NAME, "candidate", version)

# The deploy job records where the version runs, so lineage can answer "where is it serving?".
lineage = LineageClient(user="deploy-bot")
lineage.record_deployment(
    NAME, version, environment="staging", endpoint="http://serving.internal/wine-lineage"
)

report = lineage.lineage(NAME, version)
output = Path(sys.argv[1] if len(sys.argv) > 1 else f"lineage-{NAME}-{version}.json")
output.write_text(json.dumps(report, indent=2) + "\n")

run, files = report["run"], report["files"]
print(f"{NAME} version {version}: lineage written to {output}")
print(f"  run {run['run_id']} in experiment {report['experiment']['name']}")
print(f"  params {run['params']}, metrics {run['metrics']}")
print(f"  trained on {[d['name'] + ' ' + d['digest'] for d in run['datasets']]}")
print(f"  {files['file_count']} files, digest {files['digest']}")
print(f"  history: {[h['action'] for h in report['history']]}")
print(f"  deployed to {[d['environment'] for d in report['deployments']]}")
