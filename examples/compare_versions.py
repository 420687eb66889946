"""Compare two versions before promoting one: metric deltas, changed params, whether the
signatures match, and which files differ, from one call (`modelyard compare NAME A B` in a
shell).

    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python examples/compare_versions.py
"""

from __future__ import annotations

import mlflow
from _common import train_and_log

from modelyard.client import LineageClient

NAME = "wine-compare"

mlflow.set_experiment("wine")
a = train_and_log(c=1.0, register_as=NAME).version
b = train_and_log(c=0.1, register_as=NAME).version
assert a is not None
assert b is not None

diff = LineageClient().compare(NAME, a, b)
print(f"{NAME}: version {a} (a) against version {b} (b)")
for m in diff["metrics"]:
    print(f"  metric {m['key']}: {m['a']:.3f} -> {m['b']:.3f} ({m['delta']:+.3f})")
for p in diff["params"]:
    if p["status"] != "same":
        print(f"  param {p['key']}: {p['a']} -> {p['b']} ({p['status']})")
print(f"  signature: {'same' if diff['signature']['same'] else 'different'}")
changed = [f["path"] for f in diff["files"] if f["status"] != "same"]
print(f"  files changed: {', '.join(changed) or 'none'}")

accuracy = next(m for m in diff["metrics"] if m["key"] == "test_accuracy")
better = b if accuracy["delta"] > 0 else a
print(f"version {better} has the better test_accuracy")
