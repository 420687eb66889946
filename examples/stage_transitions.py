"""Stage transitions with validation.

A promotion policy says what Staging and Production need; a validation step scores the new
version on held-out data and tags it; the plain mlflow client moves it between stages. The
server checks every move, so a version that was not validated is refused, whoever asks.

    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python examples/stage_transitions.py
"""

from __future__ import annotations

import warnings

import mlflow
from _common import train_and_log, wine_data
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn.metrics import accuracy_score

from modelyard.client import PoliciesClient

NAME = "wine-stages"
POLICY = {
    "rules": [
        {
            "stage": "Staging",
            "metrics": ["test_accuracy >= 0.9"],
            "tags": {"validated": "true"},
            "signature_required": True,
        },
        {
            "stage": "Production",
            "from_stage": "Staging",
            "tags": {"validated": "true"},
            "archive_existing": True,  # the previous Production version goes to Archived
        },
    ]
}
# MLflow deprecates stages in favour of aliases; modelyard keeps both.
warnings.filterwarnings("ignore", ".*Model registry stages", FutureWarning)

mlflow.set_experiment("wine")
client = MlflowClient()
version = train_and_log(c=0.1, register_as=NAME).version
assert version is not None
print(f"registered {NAME} version {version}")

policies = PoliciesClient()  # MODELYARD_URL, acting as the local user
stored = policies.put_policy(POLICY, model=NAME)
print(f"policy version {stored['version']} applied to {NAME}")

# Not validated yet: the server refuses the move (PERMISSION_DENIED, never retried).
try:
    client.transition_model_version_stage(NAME, version, "Staging")
except MlflowException as e:
    print(f"version {version} -> Staging refused: {e.error_code}")
    print(e.message)

# Validate: load exactly this version and score it on data it has not seen.
_, x_test, _, y_test = wine_data()
model = mlflow.pyfunc.load_model(f"models:/{NAME}/{version}")
accuracy = accuracy_score(y_test, model.predict(x_test))
client.set_model_version_tag(NAME, version, "validation_accuracy", f"{accuracy:.3f}")
client.set_model_version_tag(NAME, version, "validated", str(accuracy >= 0.9).lower())
print(f"validated version {version}: accuracy {accuracy:.3f}")

# A dry run shows every check; then the real moves.
check = policies.check(NAME, version, stage="Staging")
for c in check["checks"]:
    print(f"  {c['name']}: {'ok' if c['passed'] else 'FAILED'} ({c['actual']})")
for stage in ("Staging", "Production"):
    moved = client.transition_model_version_stage(NAME, version, stage)
    print(f"version {moved.version} is now in {moved.current_stage}")
