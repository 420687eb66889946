"""A version's whole story, built through the real services (no fixtures of our own storage):
two runs with metrics, params, source tags and a dataset, a logged model, two versions registered
from files uploaded to the artifact store, stage changes, an alias through an approval, and a
deployment record. Used by the lineage and comparison tests (services and API)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from modelyard.artifacts.base import ArtifactStore
from modelyard.domain.policies import ALIAS, Target
from modelyard.services import (
    approvals,
    deployments,
    experiments,
    logged_models,
    policies,
    registry,
    run_logging,
    runs,
    versions,
)
from modelyard.store.uow import UnitOfWork

SIGNATURE_A = (
    "signature:\n"
    '  inputs: \'[{"type": "double", "name": "x"}]\'\n'
    '  outputs: \'[{"type": "long"}]\'\n'
)
SIGNATURE_B = (
    "signature:\n"
    '  inputs: \'[{"type": "double", "name": "x"}, {"type": "string", "name": "y"}]\'\n'
    '  outputs: \'[{"type": "long"}]\'\n'
)
FILES_A = {
    "MLmodel": ("flavors: {}\n" + SIGNATURE_A).encode(),
    "model.pkl": b"weights one",
    "conda.yaml": b"dependencies: []\n",
    "README.md": b"the same in both\n",
}
FILES_B = {
    "MLmodel": ("flavors: {}\n" + SIGNATURE_B).encode(),
    "model.pkl": b"weights number two",
    "requirements.txt": b"scikit-learn\n",
    "README.md": b"the same in both\n",
}
METRICS_A = {"f1": 0.8, "loss": 0.5, "accuracy": 0.9}
METRICS_B = {"f1": 0.85, "loss": 0.25, "auc": 0.7}
PARAMS_A = {"lr": "0.1", "depth": "3", "seed": "1"}
PARAMS_B = {"lr": "0.05", "depth": "3", "epochs": "10"}
POLICY = """
rules:
  - alias: champion
    approvals: {count: 1, users: [carol]}
"""


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Story:
    model: str
    experiment_id: str
    run_a: str
    run_b: str
    logged_model_id: str
    approval_id: int
    deployment_id: int


def _run(
    uow: UnitOfWork, experiment_id: str, metrics: dict[str, float], params: dict[str, str]
) -> str:
    run = runs.create_run(uow, experiment_id=experiment_id, actor="ann")
    run_id = run.info.run_id
    run_logging.log_batch(
        uow,
        run_id=run_id,
        metrics=[(k, v, 1_000, 0, None, None, None) for k, v in metrics.items()],
        params=list(params.items()),
        tags=[
            ("mlflow.source.git.commit", f"commit-{params['lr']}"),
            ("mlflow.source.name", "train.py"),
            ("team", "risk"),
        ],
        actor="ann",
    )
    dataset = ("churn-train", "d1g35t", "local", "/data/train.csv", None, None)
    run_logging.log_inputs(
        uow, run_id=run_id, datasets=[(*dataset, [("mlflow.data.context", "training")])]
    )
    return run_id


def _upload(store: ArtifactStore, folder: str, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        store.write(f"{folder}/{name}", [data])


def build(uow: UnitOfWork, store: ArtifactStore, model: str = "churn") -> Story:
    registry.create_registered_model(uow, name=model)
    policies.put_policy(uow, model=model, document=POLICY, actor="lead")
    exp = experiments.create_experiment(uow, name=f"{model}-exp", tags=[("owner", "risk")])
    run_a = _run(uow, exp, METRICS_A, PARAMS_A)
    run_b = _run(uow, exp, METRICS_B, PARAMS_B)
    logged = logged_models.create_logged_model(
        uow,
        experiment_id=exp,
        name="clf",
        source_run_id=run_a,
        params=[("max_depth", "3")],
        tags=[("framework", "sklearn")],
    )
    _upload(store, f"uploads/{model}/a", FILES_A)
    _upload(store, f"uploads/{model}/b", FILES_B)
    versions.create_model_version(
        uow,
        name=model,
        source=f"mlflow-artifacts:/uploads/{model}/a",
        run_id=run_a,
        model_id=logged.model_id,
        tags=[("validated", "yes")],
        actor="ann",
        artifacts=store,
    )
    versions.create_model_version(
        uow,
        name=model,
        source=f"mlflow-artifacts:/uploads/{model}/b",
        run_id=run_b,
        tags=[("validated", "no"), ("owner", "bob")],
        actor="bob",
        artifacts=store,
    )
    for stage in ("Staging", "Production"):
        versions.transition_model_version_stage(
            uow, name=model, version=1, stage=stage, actor="ann", artifacts=store
        )
    request = approvals.request_approval(
        uow, name=model, version=1, target=Target(ALIAS, "champion"), comment="f1 0.8", actor="dave"
    )
    approvals.approve(uow, request_id=request.id, comment="ok", actor="carol", artifacts=store)
    deployed = deployments.record_deployment(
        uow,
        name=model,
        version=1,
        environment="production",
        endpoint="https://serve.example/churn",
        note="JIRA-12",
        tags={"region": "eu"},
        actor="deployer",
    )
    return Story(model, exp, run_a, run_b, logged.model_id, request.id, deployed.id)
