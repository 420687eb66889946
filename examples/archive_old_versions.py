"""Archive old versions with a retention rule: keep the newest N, archive the rest, and never
touch a version that is still needed (one holding an alias, in Staging or Production, or named
by a pending approval request). A dry run shows the plan first.

    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python examples/archive_old_versions.py
    # in a shell or a nightly job: modelyard retention wine-nightly --keep 2 [--dry-run]
"""

from __future__ import annotations

import warnings

import mlflow
from _common import train_and_log
from mlflow import MlflowClient

from modelyard.client import RetentionClient

NAME = "wine-nightly"
warnings.filterwarnings("ignore", ".*Model registry stages", FutureWarning)

# Six nightly retrains, each registered (here one logged model registered six times, to be quick).
mlflow.set_experiment("wine")
client = MlflowClient()
model_uri = train_and_log(c=0.1).model_uri
versions = [mlflow.register_model(model_uri, NAME).version for _ in range(6)]
# The one serving and the one being tried must stay, however old they are.
client.transition_model_version_stage(
    NAME, versions[1], "Production", archive_existing_versions=True
)
client.set_registered_model_alias(NAME, "champion", versions[1])
client.set_registered_model_alias(NAME, "challenger", versions[2])

retention = RetentionClient()
plan = retention.apply_retention(NAME, keep=2, dry_run=True)
print(f"dry run, keep the newest 2: {plan['kept']} kept")
for p in plan["protected"]:
    print(f"  version {p['version']} protected: {', '.join(p['reasons'])}")
for c in plan["changed"]:
    print(f"  version {c['version']} would be archived (was {c['from_stage']})")

done = retention.apply_retention(NAME, keep=2)
print(f"archived versions {[c['version'] for c in done['changed']]}")
for v in client.search_model_versions(f"name = '{NAME}'", order_by=["version_number ASC"]):
    aliases = f", aliases {', '.join(v.aliases)}" if v.aliases else ""
    print(f"  version {v.version}: {v.current_stage}{aliases}")
