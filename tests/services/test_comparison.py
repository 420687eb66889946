"""Two versions side by side: metric deltas (b - a), params and tags changed/added/removed,
signatures from each version's MLmodel, files by path, size and sha256; versions of two models;
bad references refused. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelyard.artifacts.local import LocalArtifactStore
from modelyard.config import Settings
from modelyard.domain.comparison import ADDED, CHANGED, REMOVED, SAME, MetricDelta, ValueChange
from modelyard.domain.policy_documents import mlmodel_signature
from modelyard.errors import InvalidParameter, NotFound
from modelyard.services import comparison, registry
from modelyard.store.uow import UnitOfWork
from tests.factories import new_version
from tests.services import story
from tests.services.story import FILES_A, FILES_B, SIGNATURE_A, SIGNATURE_B, sha


@pytest.fixture
def store(settings: Settings) -> Iterator[LocalArtifactStore]:
    local = LocalArtifactStore(settings.resolved_artifacts())
    yield local
    local.close()


def test_two_versions_side_by_side(uow: UnitOfWork, store: LocalArtifactStore) -> None:
    story.build(uow, store)

    c = comparison.compare_versions(uow, name="churn", a="1", b="2", artifacts=store)

    assert (c.a.version, c.b.version) == (1, 2)
    assert c.metrics == [
        MetricDelta("accuracy", 0.9, None, None),
        MetricDelta("auc", None, 0.7, None),
        MetricDelta("f1", 0.8, 0.85, 0.85 - 0.8),
        MetricDelta("loss", 0.5, 0.25, -0.25),
    ]
    assert c.params == [
        ValueChange("depth", "3", "3", SAME),
        ValueChange("epochs", None, "10", ADDED),
        ValueChange("lr", "0.1", "0.05", CHANGED),
        ValueChange("seed", "1", None, REMOVED),
    ]
    assert c.tags == [
        ValueChange("owner", None, "bob", ADDED),
        ValueChange("validated", "yes", "no", CHANGED),
    ]
    commit = next(t for t in c.run_tags if t.key == "mlflow.source.git.commit")
    assert (commit.a, commit.b, commit.status) == ("commit-0.1", "commit-0.05", CHANGED)
    assert c.signature.a == mlmodel_signature(SIGNATURE_A)
    assert c.signature.b == mlmodel_signature(SIGNATURE_B)
    assert c.signature.a is not None
    assert set(c.signature.a) == {"inputs", "outputs"}
    assert not c.signature.same
    assert c.files is not None
    got = [
        (
            f.path,
            f.status,
            None if f.a is None else (f.a.size, f.a.sha256),
            None if f.b is None else (f.b.size, f.b.sha256),
        )
        for f in c.files
    ]

    def side(files: dict[str, bytes], path: str) -> tuple[int, str]:
        return len(files[path]), sha(files[path])

    assert got == [
        ("MLmodel", CHANGED, side(FILES_A, "MLmodel"), side(FILES_B, "MLmodel")),
        ("README.md", SAME, side(FILES_A, "README.md"), side(FILES_B, "README.md")),
        ("conda.yaml", REMOVED, side(FILES_A, "conda.yaml"), None),
        ("model.pkl", CHANGED, side(FILES_A, "model.pkl"), side(FILES_B, "model.pkl")),
        ("requirements.txt", ADDED, None, side(FILES_B, "requirements.txt")),
    ]


def test_a_version_against_itself_is_all_same(uow: UnitOfWork, store: LocalArtifactStore) -> None:
    story.build(uow, store)

    c = comparison.compare_versions(uow, name="churn", a="2", b="churn/2", artifacts=store)

    assert {d.delta for d in c.metrics} == {0.0}
    assert {p.status for p in c.params} | {t.status for t in c.tags} == {SAME}
    assert c.files is not None
    assert {f.status for f in c.files} == {SAME}
    assert c.signature.same


def test_versions_of_two_models(uow: UnitOfWork, store: LocalArtifactStore) -> None:
    story.build(uow, store, model="churn")
    story.build(uow, store, model="churn2")

    c = comparison.compare_versions(uow, name="churn", a="churn/1", b="churn2/2", artifacts=store)

    assert (c.a.name, c.a.version, c.b.name, c.b.version) == ("churn", 1, "churn2", 2)
    assert c.files is not None
    assert [f.status for f in c.files if f.path == "model.pkl"] == [CHANGED]


def test_external_references_have_no_files_or_signature(uow: UnitOfWork) -> None:
    registry.create_registered_model(uow, name="ext")
    new_version(uow, name="ext", source="s3://b/1")
    new_version(uow, name="ext", source="s3://b/2", tags=[("k", "v")])

    c = comparison.compare_versions(uow, name="ext", a="1", b="2")

    assert (c.files, c.signature.a, c.signature.b, c.metrics, c.params) == (
        None,
        None,
        None,
        [],
        [],
    )
    assert c.tags == [ValueChange("k", None, "v", ADDED)]


@pytest.mark.parametrize(
    ("a", "b", "error", "match"),
    [
        (None, "1", InvalidParameter, "'a'"),
        ("1", "", InvalidParameter, "'b'"),
        ("x", "1", InvalidParameter, "must be an integer"),
        ("/1", "1", InvalidParameter, "MODEL/VERSION"),
        ("1", "m/0", InvalidParameter, "positive integer"),
        ("1", "m:x/1", InvalidParameter, "Invalid model name"),
        ("1", "9", NotFound, "version=9"),
        ("1", "other/1", NotFound, "name=other"),
    ],
)
def test_bad_references_are_refused(
    uow: UnitOfWork, a: str | None, b: str, error: type[Exception], match: str
) -> None:
    registry.create_registered_model(uow, name="m")
    new_version(uow, name="m", source="s3://b/1")

    with pytest.raises(error, match=match):
        comparison.compare_versions(uow, name="m", a=a, b=b)
