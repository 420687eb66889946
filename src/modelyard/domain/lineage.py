"""The whole story of a model version, as one object: what it is, where it came from (run,
experiment, logged model, datasets, code), what happened to it (stages, aliases, approvals) and
where it runs (deployments). Pure: the service gathers the parts, this shapes them.

Every part the version does not have (no run, an external reference without files, a run that
was never in this server) is None, never an error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from modelyard.domain.deployments import Deployment
from modelyard.domain.governance import ApprovalRequest
from modelyard.domain.history import AliasChange, StageChange
from modelyard.domain.registry import ModelVersion, VersionFile
from modelyard.domain.tracking import Experiment, LoggedModel, Run

# The tags MLflow's client sets on a run to say which code produced it.
GIT_COMMIT_TAG = "mlflow.source.git.commit"
SOURCE_NAME_TAG = "mlflow.source.name"
SOURCE_TYPE_TAG = "mlflow.source.type"
GIT_REPO_TAG = "mlflow.source.git.repoURL"
GIT_BRANCH_TAG = "mlflow.source.git.branch"


@dataclass(frozen=True, slots=True)
class SourceCode:
    """The code version of a run, from its mlflow.source.* tags (each may be absent)."""

    git_commit: str | None
    source_name: str | None
    source_type: str | None
    git_repo_url: str | None
    git_branch: str | None


@dataclass(frozen=True, slots=True)
class ManifestSummary:
    """A version's own files in brief; `digest` names the whole manifest (sha256 of its lines)."""

    file_count: int
    total_size: int
    digest: str


@dataclass(frozen=True, slots=True)
class Registration:
    """Who registered the version and when: its audit event, else the version's own fields."""

    actor: str | None
    time: int
    request_id: str | None = None
    audit_seq: int | None = None


@dataclass(slots=True)
class Lineage:
    version: ModelVersion
    registration: Registration
    manifest: ManifestSummary | None = None
    run: Run | None = None
    source_code: SourceCode | None = None
    experiment: Experiment | None = None
    logged_model: LoggedModel | None = None
    changes: list[AliasChange | StageChange] = field(default_factory=list)
    approvals: list[ApprovalRequest] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)


def source_code(tags: Mapping[str, str]) -> SourceCode | None:
    """None when the run has none of the source tags."""
    found = SourceCode(
        git_commit=tags.get(GIT_COMMIT_TAG),
        source_name=tags.get(SOURCE_NAME_TAG),
        source_type=tags.get(SOURCE_TYPE_TAG),
        git_repo_url=tags.get(GIT_REPO_TAG),
        git_branch=tags.get(GIT_BRANCH_TAG),
    )
    return None if found == SourceCode(None, None, None, None, None) else found


def manifest_summary(files: Sequence[VersionFile]) -> ManifestSummary:
    h = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.path):
        h.update(f"{f.path}\t{f.size}\t{f.sha256}\n".encode())
    return ManifestSummary(len(files), sum(f.size for f in files), h.hexdigest())
