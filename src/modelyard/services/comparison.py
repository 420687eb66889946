"""Two model versions side by side (see domain/comparison.py), possibly of two models.

Metrics are the latest values of each version's run; signatures come from each version's own
MLmodel file, read from the artifact store as the policy check reads it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from modelyard.artifacts.base import ArtifactStore
from modelyard.domain import comparison as diff
from modelyard.domain import names
from modelyard.domain.comparison import Comparison, SignatureComparison
from modelyard.domain.policy_documents import mlmodel_signature
from modelyard.domain.registry import ModelVersion, VersionFile
from modelyard.domain.tracking import Run
from modelyard.services.common import model_row, version_row
from modelyard.services.policies import read_mlmodel
from modelyard.store import runs, version_files, versions
from modelyard.store.uow import UnitOfWork


class _Side:
    """One version and what is compared of it."""

    def __init__(
        self, conn: sa.Connection, model: str, number: int, store: ArtifactStore | None
    ) -> None:
        row = version_row(conn, model_row(conn, model), number)
        self.version: ModelVersion = versions.load_versions(conn, [row])[0]
        run_row = runs.find_run(conn, self.version.run_id) if self.version.run_id else None
        run: Run | None = runs.load_runs(conn, [run_row])[0] if run_row is not None else None
        self.metrics = {m.key: m.value for m in run.metrics} if run else {}
        self.params = run.params if run else {}
        self.run_tags = run.tags if run else {}
        owns_files = self.version.storage_location is not None
        self.files: list[VersionFile] | None = (
            version_files.files_of(conn, row.id) if owns_files else None
        )
        text = read_mlmodel(conn, row.id, store) if owns_files else None
        self.signature: dict[str, Any] | None = (
            mlmodel_signature(text) if text is not None else None
        )


def compare_versions(
    uow: UnitOfWork,
    *,
    name: str | None,
    a: str | None,
    b: str | None,
    artifacts: ArtifactStore | None = None,
) -> Comparison:
    """Compare version `a` with version `b` (each `N` of `name`, or `MODEL/N`); deltas are b - a."""
    name = names.validate_model_name(name)
    model_a, number_a = diff.parse_ref(a, "a", name)
    model_b, number_b = diff.parse_ref(b, "b", name)
    with uow.read() as conn:
        left = _Side(conn, model_a, number_a, artifacts)
        right = _Side(conn, model_b, number_b, artifacts)
    files = (
        diff.compare_files(left.files, right.files)
        if left.files is not None and right.files is not None
        else None
    )
    return Comparison(
        a=left.version,
        b=right.version,
        metrics=diff.compare_metrics(left.metrics, right.metrics),
        params=diff.compare_values(left.params, right.params),
        tags=diff.compare_values(left.version.tags, right.version.tags),
        run_tags=diff.compare_values(left.run_tags, right.run_tags),
        signature=SignatureComparison(left.signature, right.signature),
        files=files,
    )
