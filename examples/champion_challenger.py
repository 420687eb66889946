"""Champion and challenger aliases, and a loader that splits traffic between them.

Serving code never names a version: it loads `models:/<name>@champion` and
`models:/<name>@challenger`, sends a fixed share of requests to the challenger (by a hash of the
request id, so a caller always gets the same one), and records which version answered.
Promoting the challenger is one alias move; the loader picks it up on its next refresh.

    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python examples/champion_challenger.py
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import mlflow
from _common import train_and_log, wine_data
from mlflow import MlflowClient

NAME = "wine-serving"


class TrafficSplit:
    """Routes each request to the champion or, for `challenger_share` of them, the challenger."""

    def __init__(self, name: str, challenger_share: float = 0.1) -> None:
        self.name = name
        self.share = challenger_share
        self.refresh()

    def refresh(self) -> None:
        """Resolve the aliases once, then load exactly those versions (no race with a move)."""
        client = MlflowClient()
        self.models: dict[str, tuple[str, Any]] = {}
        for alias in ("champion", "challenger"):
            version = client.get_model_version_by_alias(self.name, alias).version
            model = mlflow.pyfunc.load_model(f"models:/{self.name}/{version}")
            self.models[alias] = (version, model)

    def route(self, request_id: str) -> str:
        bucket = int(hashlib.sha256(request_id.encode()).hexdigest(), 16) % 10_000
        return "challenger" if bucket < self.share * 10_000 else "champion"

    def predict(self, request_id: str, rows: Any) -> tuple[str, str, Any]:
        alias = self.route(request_id)
        version, model = self.models[alias]
        return alias, version, model.predict(rows)


mlflow.set_experiment("wine")
client = MlflowClient()
champion = train_and_log(c=0.003, register_as=NAME)  # the model in service
challenger = train_and_log(c=0.1, register_as=NAME)  # a new candidate
assert champion.version is not None
assert challenger.version is not None
client.set_registered_model_alias(NAME, "champion", champion.version)
client.set_registered_model_alias(NAME, "challenger", challenger.version)
print(f"champion -> version {champion.version}, challenger -> version {challenger.version}")

_, x_test, _, y_test = wine_data()
split = TrafficSplit(NAME, challenger_share=0.2)
served: Counter[tuple[str, str]] = Counter()
correct: Counter[str] = Counter()
for i in range(len(x_test)):
    alias, version, predicted = split.predict(f"request-{i}", x_test.iloc[[i]])
    served[(alias, version)] += 1
    correct[alias] += int(predicted[0] == y_test.iloc[i])
accuracy = {}
for (alias, version), n in sorted(served.items()):
    accuracy[alias] = correct[alias] / n
    print(f"{alias} (version {version}) answered {n} requests, accuracy {accuracy[alias]:.2f}")

# When the challenger does better, promote it with one alias move; the old champion stays
# at hand as the challenger (and `modelyard rollback` can undo the move).
if accuracy.get("challenger", 0.0) > accuracy.get("champion", 0.0):
    client.set_registered_model_alias(NAME, "champion", challenger.version)
    client.set_registered_model_alias(NAME, "challenger", champion.version)
    split.refresh()
print(f"champion now serves version {split.models['champion'][0]}")
