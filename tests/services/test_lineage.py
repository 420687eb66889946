"""Lineage of a version in one call: registration (audit), run with params, metrics, tags,
datasets and code version, experiment, logged model, stage and alias history, approvals and
deployments; missing parts are None. Deployment records are audited. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelyard.artifacts.local import LocalArtifactStore
from modelyard.config import Settings
from modelyard.domain import governance as g
from modelyard.domain.history import AliasChange, StageChange
from modelyard.domain.lineage import manifest_summary
from modelyard.domain.registry import VersionFile
from modelyard.errors import InvalidParameter, NotFound
from modelyard.services import audit, deployments, lineage, registry, version_files
from modelyard.store.uow import UnitOfWork
from tests.factories import new_version
from tests.services import story
from tests.services.story import FILES_A, METRICS_A, PARAMS_A, sha


@pytest.fixture
def store(settings: Settings) -> Iterator[LocalArtifactStore]:
    local = LocalArtifactStore(settings.resolved_artifacts())
    yield local
    local.close()


def test_lineage_tells_the_whole_story(uow: UnitOfWork, store: LocalArtifactStore) -> None:
    s = story.build(uow, store)

    got = lineage.version_lineage(uow, name="churn", version="1")

    v = got.version
    assert (v.version, v.status, v.current_stage, v.aliases) == (
        1,
        "READY",
        "Production",
        ["champion"],
    )
    assert (v.source, v.run_id, v.model_id) == (
        "mlflow-artifacts:/uploads/churn/a",
        s.run_a,
        s.logged_model_id,
    )
    assert v.tags == {"validated": "yes"}
    assert v.storage_location is not None
    assert v.storage_location.startswith(f"mlflow-artifacts:/{version_files.VIEW_PREFIX}/")
    files = [VersionFile(p, len(d), sha(d)) for p, d in FILES_A.items()]
    assert got.manifest == manifest_summary(files)
    assert got.manifest.file_count == 4
    assert got.manifest.total_size == sum(len(d) for d in FILES_A.values())
    assert (got.registration.actor, got.registration.audit_seq is not None) == ("ann", True)
    assert got.registration.time >= v.creation_timestamp

    assert got.run is not None
    assert got.run.info.run_id == s.run_a
    assert {m.key: m.value for m in got.run.metrics} == METRICS_A
    assert got.run.params == PARAMS_A
    assert got.run.tags["team"] == "risk"
    [used] = got.run.dataset_inputs
    assert (used.dataset.name, used.dataset.digest, used.tags) == (
        "churn-train",
        "d1g35t",
        {"mlflow.data.context": "training"},
    )
    assert got.source_code is not None
    assert (got.source_code.git_commit, got.source_code.source_name) == ("commit-0.1", "train.py")
    assert got.experiment is not None
    assert (got.experiment.experiment_id, got.experiment.name) == (s.experiment_id, "churn-exp")
    assert got.experiment.tags == {"owner": "risk"}
    assert got.logged_model is not None
    assert (got.logged_model.model_id, got.logged_model.name) == (s.logged_model_id, "clf")
    assert got.logged_model.params == {"max_depth": "3"}
    assert got.logged_model.tags == {"framework": "sklearn"}

    stages = [
        (c.from_stage, c.to_stage, c.actor) for c in got.changes if isinstance(c, StageChange)
    ]
    assert stages == [("None", "Staging", "ann"), ("Staging", "Production", "ann")]
    aliases = [(c.alias, c.version, c.actor) for c in got.changes if isinstance(c, AliasChange)]
    assert aliases == [("champion", 1, "carol")]
    [request] = got.approvals
    assert (request.id, request.status, request.requester) == (s.approval_id, g.APPLIED, "dave")
    assert [(d.approver, d.decision) for d in request.decisions] == [("carol", g.APPROVE)]
    [deployed] = got.deployments
    assert (deployed.id, deployed.environment, deployed.endpoint, deployed.actor) == (
        s.deployment_id,
        "production",
        "https://serve.example/churn",
        "deployer",
    )
    assert (deployed.note, deployed.tags) == ("JIRA-12", {"region": "eu"})


def test_version_two_has_its_own_story(uow: UnitOfWork, store: LocalArtifactStore) -> None:
    s = story.build(uow, store)

    got = lineage.version_lineage(uow, name="churn", version=2)

    assert got.run is not None
    assert got.run.info.run_id == s.run_b
    assert (got.logged_model, got.changes, got.approvals, got.deployments) == (None, [], [], [])
    assert got.registration.actor == "bob"


def test_an_external_reference_without_run_has_null_parts(uow: UnitOfWork) -> None:
    registry.create_registered_model(uow, name="ext")
    new_version(uow, name="ext", source="s3://b/model", run_id="not-a-run-here", actor="eve")

    got = lineage.version_lineage(uow, name="ext", version=1)

    assert (got.manifest, got.run, got.source_code, got.experiment, got.logged_model) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert got.version.run_id == "not-a-run-here"
    assert got.registration.actor == "eve"
    assert (got.changes, got.approvals, got.deployments) == ([], [], [])


def test_lineage_of_missing_or_bad_versions(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound, match="name=nope"):
        lineage.version_lineage(uow, name="nope", version=1)
    registry.create_registered_model(uow, name="m")
    with pytest.raises(NotFound, match=r"name=m, version=3"):
        lineage.version_lineage(uow, name="m", version=3)
    with pytest.raises(InvalidParameter, match="positive integer"):
        lineage.version_lineage(uow, name="m", version=0)


def test_recording_a_deployment_writes_one_audit_event(uow: UnitOfWork) -> None:
    registry.create_registered_model(uow, name="m")
    new_version(uow, name="m", source="s3://b/1")
    new_version(uow, name="m", source="s3://b/2")
    before = audit.list_events(uow, model="m").items[0].seq

    first = deployments.record_deployment(
        uow, name="m", version=1, environment="staging", deployed_at=1_000, actor="ci"
    )
    second = deployments.record_deployment(uow, name="m", version=2, environment="production")

    events = audit.list_events(uow, model="m").items
    assert [e.seq for e in events[:2]] == [before + 2, before + 1]
    assert (events[1].action, events[1].actor, events[1].target_version) == (
        deployments.RECORD,
        "ci",
        1,
    )
    assert first.deployed_at == 1_000
    assert [d.id for d in deployments.list_deployments(uow, name="m")] == [second.id, first.id]
    assert [d.id for d in deployments.list_deployments(uow, name="m", version=1)] == [first.id]
    by_env = deployments.list_deployments(uow, name="m", environment="production")
    assert [d.version for d in by_env] == [2]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"environment": ""}, InvalidParameter, "'environment'"),
        ({"environment": "-bad"}, InvalidParameter, "Invalid environment"),
        ({"environment": "p", "deployed_at": -1}, InvalidParameter, "milliseconds"),
        ({"environment": "p", "deployed_at": 2**62}, InvalidParameter, "future"),
        ({"environment": "p", "tags": {"": "x"}}, InvalidParameter, "'key'"),
        ({"environment": "p", "version": 9}, NotFound, "version=9"),
    ],
)
def test_a_refused_deployment_writes_nothing(
    uow: UnitOfWork, kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    registry.create_registered_model(uow, name="m")
    new_version(uow, name="m", source="s3://b/1")
    before = audit.list_events(uow).items[0].seq
    args: dict[str, object] = {"version": 1, **kwargs}

    with pytest.raises(error, match=match):
        deployments.record_deployment(uow, name="m", **args)  # type: ignore[arg-type]

    assert audit.list_events(uow).items[0].seq == before
    assert deployments.list_deployments(uow, name="m") == []
