"""Promotion with approval (four eyes): Production needs a second person's yes.

alice trains a version and asks for Production; she cannot approve her own request; bob, in the
`ml-leads` group the policy names, approves, and his approval applies the change in the same
transaction. The plain mlflow client sees the result. The actor is the `X-Modelyard-User` header,
which the SDK sends from `user=` (the CLI sends the local user name).

    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python examples/promotion_with_approval.py
"""

from __future__ import annotations

import warnings

import mlflow
from _common import train_and_log
from mlflow import MlflowClient

from modelyard.client import ApprovalsClient, PoliciesClient
from modelyard.errors import PermissionDenied

NAME = "wine-approved"
POLICY = """
groups:
  ml-leads: [bob]
rules:
  - stage: Production
    from_stage: Staging
    metrics: ["test_accuracy >= 0.9"]
    approvals: {count: 1, groups: [ml-leads]}
    archive_existing: true
"""
warnings.filterwarnings("ignore", ".*Model registry stages", FutureWarning)

mlflow.set_experiment("wine")
client = MlflowClient()
logged = train_and_log(c=0.1, register_as=NAME)
version = logged.version
assert version is not None
PoliciesClient(user="alice").put_policy(POLICY, model=NAME)
client.transition_model_version_stage(NAME, version, "Staging")

alice = ApprovalsClient(user="alice")
bob = ApprovalsClient(user="bob")
accuracy = logged.metrics["test_accuracy"]
request = alice.request_approval(
    NAME, int(version), stage="Production", comment=f"test_accuracy {accuracy:.3f}"
)
print(f"alice asks for Production: request {request['id']} is {request['status']}")

try:
    alice.approve(request["id"])
except PermissionDenied as e:
    print(f"alice approves her own request: refused ({e})")

waiting = [r["id"] for r in bob.list(approver="bob", model=NAME)]
print(f"bob's queue: requests {waiting}")
decided = bob.approve(request["id"], comment="holdout numbers look right")
print(f"bob approves: request {decided['id']} is {decided['status']}")
print(f"mlflow sees version {version} in {client.get_model_version(NAME, version).current_stage}")
