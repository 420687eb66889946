"""Registry services on a real database: what each mutation leaves behind, and that a refusal
leaves nothing behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from modelyard.domain.registry import ModelVersion
from modelyard.errors import AlreadyExists, InvalidParameter, ModelyardError, NotFound
from modelyard.services import aliases, registry, versions
from modelyard.store.tables import metadata
from modelyard.store.uow import UnitOfWork
from tests.factories import new_version

Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(uow: UnitOfWork) -> Snapshot:
    """Every row of every table, in primary-key order."""
    with uow.read() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
            for t in metadata.sorted_tables
        }


@contextmanager
def nothing_written(uow: UnitOfWork) -> Iterator[None]:
    before = snapshot(uow)
    yield
    after = snapshot(uow)
    changed = {t: (len(before[t]), len(after[t])) for t in before if before[t] != after[t]}
    assert not changed, f"tables changed (rows before, after): {changed}"


def make_model(uow: UnitOfWork, name: str, n_versions: int = 0) -> list[ModelVersion]:
    registry.create_registered_model(uow, name=name)
    return [new_version(uow, name=name, source=f"s3://b/m/{name}/{i}") for i in range(n_versions)]


def stage_of(uow: UnitOfWork, name: str, version: int) -> str:
    return versions.get_model_version(uow, name=name, version=version).current_stage


# ---------------------------------------------------------------------------------------------
# registered models


def test_create_and_get_registered_model(uow: UnitOfWork) -> None:
    created = registry.create_registered_model(
        uow, name="fraud", tags=[("team", "risk"), ("tier", "1")], description="d", actor="ann"
    )
    assert created.name == "fraud"
    assert created.tags == {"team": "risk", "tier": "1"}
    assert created.description == "d"
    assert created.user_id == "ann"
    assert created.creation_timestamp == created.last_updated_timestamp > 0
    assert created.latest_versions == []
    assert created.aliases == {}
    assert registry.get_registered_model(uow, name="fraud") == created


def test_create_twice_is_refused(uow: UnitOfWork) -> None:
    registry.create_registered_model(uow, name="fraud", tags=[("a", "1")])
    with nothing_written(uow), pytest.raises(AlreadyExists, match=r"name=fraud\) already exists"):
        registry.create_registered_model(uow, name="fraud", tags=[("b", "2")])
    assert registry.get_registered_model(uow, name="fraud").tags == {"a": "1"}


def test_update_registered_model_description(uow: UnitOfWork) -> None:
    created = registry.create_registered_model(uow, name="m", description="old")
    updated = registry.update_registered_model(uow, name="m", description="new")
    assert updated.description == "new"
    assert updated.last_updated_timestamp >= created.last_updated_timestamp
    assert updated.creation_timestamp == created.creation_timestamp
    assert registry.get_registered_model(uow, name="m").description == "new"


def test_rename_keeps_versions_tags_and_aliases_reachable(uow: UnitOfWork) -> None:
    registry.create_registered_model(uow, name="old", tags=[("team", "risk")])
    for i in (1, 2):
        new_version(uow, name="old", source=f"s3://b/s{i}", tags=[("v", str(i))])
    aliases.set_registered_model_alias(uow, name="old", alias="champion", version="1")
    versions.transition_model_version_stage(uow, name="old", version=2, stage="Production")

    renamed = registry.rename_registered_model(uow, name="old", new_name="new")

    assert renamed.name == "new"
    assert renamed.tags == {"team": "risk"}
    assert renamed.aliases == {"champion": 1}
    assert {(v.name, v.version) for v in renamed.latest_versions} == {("new", 1), ("new", 2)}
    assert registry.get_registered_model(uow, name="new") == renamed
    v1 = versions.get_model_version(uow, name="new", version=1)
    assert (v1.name, v1.source, v1.tags, v1.aliases) == (
        "new",
        "s3://b/s1",
        {"v": "1"},
        ["champion"],
    )
    assert aliases.get_model_version_by_alias(uow, name="new", alias="champion").version == 1
    assert aliases.get_model_version_by_alias(uow, name="new", alias="latest").version == 2
    assert versions.get_model_version_download_uri(uow, name="new", version="2") == "s3://b/s2"
    found = versions.search_model_versions(uow, filter_string="name = 'new'").items
    assert sorted(v.version for v in found) == [1, 2]
    # New versions continue the numbering under the new name.
    assert new_version(uow, name="new", source="s3://b/s3").version == 3
    with pytest.raises(NotFound, match="name=old not found"):
        registry.get_registered_model(uow, name="old")
    assert versions.search_model_versions(uow, filter_string="name = 'old'").items == []


def test_rename_refusals_write_nothing(uow: UnitOfWork) -> None:
    make_model(uow, "a", 1)
    make_model(uow, "b")
    with nothing_written(uow):
        with pytest.raises(AlreadyExists, match=r"name=b\) already exists"):
            registry.rename_registered_model(uow, name="a", new_name="b")
        with pytest.raises(NotFound, match="name=missing not found"):
            registry.rename_registered_model(uow, name="missing", new_name="c")
        with pytest.raises(InvalidParameter, match="cannot contain '/' or ':'"):
            registry.rename_registered_model(uow, name="a", new_name="x/y")


def test_delete_registered_model_takes_everything_of_it_and_nothing_else(
    uow: UnitOfWork,
) -> None:
    make_model(uow, "keep", 2)
    aliases.set_registered_model_alias(uow, name="keep", alias="champion", version=1)
    registry.set_registered_model_tag(uow, name="keep", key="k", value="v")
    kept = snapshot(uow)
    registry.create_registered_model(uow, name="gone", tags=[("k", "v")])
    new_version(uow, name="gone", source="s3://b/s", tags=[("k", "v")])
    aliases.set_registered_model_alias(uow, name="gone", alias="champion", version=1)

    registry.delete_registered_model(uow, name="gone")

    audit_tables = {"audit_events", "audit_chain_head"}  # the audit trail keeps every change
    assert {t: r for t, r in snapshot(uow).items() if t not in audit_tables} == {
        t: r for t, r in kept.items() if t not in audit_tables
    }
    with pytest.raises(NotFound, match="name=gone not found"):
        registry.get_registered_model(uow, name="gone")
    with nothing_written(uow), pytest.raises(NotFound, match="name=gone not found"):
        registry.delete_registered_model(uow, name="gone")


def test_registered_model_tags_set_overwrite_delete(uow: UnitOfWork) -> None:
    registry.create_registered_model(uow, name="m")
    registry.set_registered_model_tag(uow, name="m", key="k", value="1")
    registry.set_registered_model_tag(uow, name="m", key="other", value="x")
    registry.set_registered_model_tag(uow, name="m", key="k", value="2")
    assert registry.get_registered_model(uow, name="m").tags == {"k": "2", "other": "x"}

    registry.delete_registered_model_tag(uow, name="m", key="k")
    assert registry.get_registered_model(uow, name="m").tags == {"other": "x"}
    # Deleting a tag that is not there is not an error (as in MLflow) and changes nothing.
    with nothing_written(uow):
        registry.delete_registered_model_tag(uow, name="m", key="k")


# ---------------------------------------------------------------------------------------------
# model versions


def test_create_model_version(uow: UnitOfWork) -> None:
    registry.create_registered_model(uow, name="m")
    v = new_version(
        uow,
        name="m",
        source="s3://b/m/1",
        run_id="run-1",
        tags=[("k", "v")],
        run_link="http://runs/1",
        description="first",
        model_id="m-abc",
        actor="ann",
    )
    assert (v.name, v.version, v.current_stage, v.status) == ("m", 1, "None", "READY")
    assert (v.source, v.run_id, v.run_link, v.description) == (
        "s3://b/m/1",
        "run-1",
        "http://runs/1",
        "first",
    )
    assert (v.model_id, v.user_id, v.tags, v.aliases) == ("m-abc", "ann", {"k": "v"}, [])
    assert versions.get_model_version(uow, name="m", version="1") == v
    assert versions.get_model_version_download_uri(uow, name="m", version=1) == "s3://b/m/1"
    model = registry.get_registered_model(uow, name="m")
    assert [x.version for x in model.latest_versions] == [1]
    assert model.last_updated_timestamp >= v.creation_timestamp


def test_version_numbers_are_not_reused_after_delete(uow: UnitOfWork) -> None:
    assert [v.version for v in make_model(uow, "m", 3)] == [1, 2, 3]
    versions.delete_model_version(uow, name="m", version=3)
    versions.delete_model_version(uow, name="m", version="1")
    with pytest.raises(NotFound, match=r"name=m, version=3\) not found"):
        versions.get_model_version(uow, name="m", version=3)
    assert new_version(uow, name="m", source="s3://b/s").version == 4
    found = versions.search_model_versions(uow, filter_string="name = 'm'").items
    assert sorted(v.version for v in found) == [2, 4]


def test_update_model_version_description(uow: UnitOfWork) -> None:
    (v1,) = make_model(uow, "m", 1)
    updated = versions.update_model_version(uow, name="m", version=1, description="better")
    assert updated.description == "better"
    assert updated.creation_timestamp == v1.creation_timestamp
    assert updated.last_updated_timestamp >= v1.last_updated_timestamp
    assert versions.get_model_version(uow, name="m", version=1).description == "better"


def test_model_version_tags_set_overwrite_delete(uow: UnitOfWork) -> None:
    make_model(uow, "m", 2)
    versions.set_model_version_tag(uow, name="m", version=1, key="k", value="1")
    versions.set_model_version_tag(uow, name="m", version=1, key="k", value="2")
    versions.set_model_version_tag(uow, name="m", version=1, key="x", value="y")
    assert versions.get_model_version(uow, name="m", version=1).tags == {"k": "2", "x": "y"}
    assert versions.get_model_version(uow, name="m", version=2).tags == {}

    versions.delete_model_version_tag(uow, name="m", version=1, key="k")
    assert versions.get_model_version(uow, name="m", version=1).tags == {"x": "y"}
    with nothing_written(uow):
        versions.delete_model_version_tag(uow, name="m", version=1, key="k")


def test_delete_model_version_takes_its_tags_and_aliases(uow: UnitOfWork) -> None:
    make_model(uow, "m", 2)
    versions.set_model_version_tag(uow, name="m", version=2, key="k", value="v")
    for alias in ("champion", "prod"):
        aliases.set_registered_model_alias(uow, name="m", alias=alias, version=2)
    aliases.set_registered_model_alias(uow, name="m", alias="old", version=1)

    versions.delete_model_version(uow, name="m", version=2)

    assert registry.get_registered_model(uow, name="m").aliases == {"old": 1}
    for alias in ("champion", "prod"):
        with pytest.raises(NotFound, match=f"alias {alias} not found"):
            aliases.get_model_version_by_alias(uow, name="m", alias=alias)
    rows = snapshot(uow)
    assert len(rows["model_versions"]) == 1
    assert rows["model_version_tags"] == []
    assert len(rows["registered_model_aliases"]) == 1


# ---------------------------------------------------------------------------------------------
# stages


def test_transition_without_archiving_leaves_others(uow: UnitOfWork) -> None:
    make_model(uow, "m", 2)
    v1 = versions.transition_model_version_stage(uow, name="m", version=1, stage="production")
    assert v1.current_stage == "Production"
    versions.transition_model_version_stage(uow, name="m", version=2, stage="Production")
    assert [stage_of(uow, "m", n) for n in (1, 2)] == ["Production", "Production"]


def test_archive_existing_versions_archives_only_the_same_stage_of_the_same_model(
    uow: UnitOfWork,
) -> None:
    make_model(uow, "m", 5)
    make_model(uow, "other", 1)
    versions.transition_model_version_stage(uow, name="other", version=1, stage="Production")
    for number, stage in ((1, "Production"), (2, "Production"), (3, "Staging")):
        versions.transition_model_version_stage(uow, name="m", version=number, stage=stage)

    moved = versions.transition_model_version_stage(
        uow, name="m", version=4, stage="Production", archive_existing_versions=True
    )

    assert moved.current_stage == "Production"
    stages = {n: stage_of(uow, "m", n) for n in range(1, 6)}
    assert stages == {1: "Archived", 2: "Archived", 3: "Staging", 4: "Production", 5: "None"}
    assert stage_of(uow, "other", 1) == "Production"

    versions.transition_model_version_stage(
        uow, name="m", version=5, stage="Staging", archive_existing_versions=True
    )
    assert [stage_of(uow, "m", n) for n in (3, 4, 5)] == ["Archived", "Production", "Staging"]


def test_transition_refusals_write_nothing(uow: UnitOfWork) -> None:
    make_model(uow, "m", 2)
    versions.transition_model_version_stage(uow, name="m", version=1, stage="Production")
    with nothing_written(uow):
        for stage in ("Archived", "None"):
            with pytest.raises(InvalidParameter, match="is not an Active stage"):
                versions.transition_model_version_stage(
                    uow, name="m", version=2, stage=stage, archive_existing_versions=True
                )
        with pytest.raises(InvalidParameter, match="Invalid Model Version stage: Deployed"):
            versions.transition_model_version_stage(uow, name="m", version=2, stage="Deployed")
        with pytest.raises(NotFound, match=r"version=9\) not found"):
            versions.transition_model_version_stage(
                uow, name="m", version=9, stage="Production", archive_existing_versions=True
            )


def test_get_latest_versions_per_stage(uow: UnitOfWork) -> None:
    make_model(uow, "m", 6)
    make_model(uow, "empty")
    for number, stage in ((1, "Production"), (2, "Production"), (3, "Staging"), (4, "Archived")):
        versions.transition_model_version_stage(uow, name="m", version=number, stage=stage)

    def latest(stages: list[str] | None) -> list[tuple[int, str]]:
        found = registry.get_latest_versions(uow, name="m", stages_filter=stages)
        return [(v.version, v.current_stage) for v in found]

    assert latest(None) == [(2, "Production"), (3, "Staging"), (4, "Archived"), (6, "None")]
    assert latest(["Production"]) == [(2, "Production")]
    assert latest(["staging", "NONE"]) == [(3, "Staging"), (6, "None")]
    assert registry.get_latest_versions(uow, name="empty") == []
    model = registry.get_registered_model(uow, name="m")
    assert [v.version for v in model.latest_versions] == [2, 3, 4, 6]
    with pytest.raises(InvalidParameter, match="Invalid Model Version stage: Live"):
        registry.get_latest_versions(uow, name="m", stages_filter=["Production", "Live"])
    with pytest.raises(NotFound, match="name=missing not found"):
        registry.get_latest_versions(uow, name="missing")


# ---------------------------------------------------------------------------------------------
# aliases


def test_alias_set_move_delete(uow: UnitOfWork) -> None:
    make_model(uow, "m", 2)
    aliases.set_registered_model_alias(uow, name="m", alias="champion", version="1")
    assert aliases.get_model_version_by_alias(uow, name="m", alias="champion").version == 1

    aliases.set_registered_model_alias(uow, name="m", alias="champion", version=2)
    assert aliases.get_model_version_by_alias(uow, name="m", alias="champion").version == 2
    assert versions.get_model_version(uow, name="m", version=1).aliases == []
    assert versions.get_model_version(uow, name="m", version=2).aliases == ["champion"]
    assert registry.get_registered_model(uow, name="m").aliases == {"champion": 2}

    aliases.delete_registered_model_alias(uow, name="m", alias="champion")
    with pytest.raises(NotFound, match="alias champion not found"):
        aliases.get_model_version_by_alias(uow, name="m", alias="champion")
    assert registry.get_registered_model(uow, name="m").aliases == {}
    with nothing_written(uow):
        aliases.delete_registered_model_alias(uow, name="m", alias="champion")


def test_a_version_can_hold_many_aliases(uow: UnitOfWork) -> None:
    make_model(uow, "m", 2)
    names = ["prod", "champion", "blue", "eu-west_1"]
    for alias in names:
        aliases.set_registered_model_alias(uow, name="m", alias=alias, version=2)
    assert versions.get_model_version(uow, name="m", version=2).aliases == sorted(names)
    assert registry.get_registered_model(uow, name="m").aliases == dict.fromkeys(sorted(names), 2)
    for alias in names:
        assert aliases.get_model_version_by_alias(uow, name="m", alias=alias).version == 2


def test_aliases_are_per_model(uow: UnitOfWork) -> None:
    make_model(uow, "a", 1)
    make_model(uow, "b", 2)
    aliases.set_registered_model_alias(uow, name="a", alias="champion", version=1)
    aliases.set_registered_model_alias(uow, name="b", alias="champion", version=2)
    assert aliases.get_model_version_by_alias(uow, name="a", alias="champion").name == "a"
    assert aliases.get_model_version_by_alias(uow, name="b", alias="champion").version == 2


def test_latest_resolves_to_the_newest_version(uow: UnitOfWork) -> None:
    make_model(uow, "m", 3)
    versions.transition_model_version_stage(uow, name="m", version=1, stage="Production")
    assert aliases.get_model_version_by_alias(uow, name="m", alias="latest").version == 3
    assert aliases.get_model_version_by_alias(uow, name="m", alias="LATEST").version == 3
    versions.delete_model_version(uow, name="m", version=3)
    assert aliases.get_model_version_by_alias(uow, name="m", alias="latest").version == 2
    new_version(uow, name="m", source="s3://b/s")
    assert aliases.get_model_version_by_alias(uow, name="m", alias="latest").version == 4
    make_model(uow, "empty")
    with pytest.raises(NotFound, match="Latest version not found for model empty"):
        aliases.get_model_version_by_alias(uow, name="empty", alias="latest")


# ---------------------------------------------------------------------------------------------
# refusals write nothing

Call = Callable[[UnitOfWork], object]

REFUSALS: list[tuple[str, Call, type[ModelyardError], str]] = [
    (
        "create: bad name",
        lambda u: registry.create_registered_model(u, name="a:b"),
        InvalidParameter,
        "cannot contain",
    ),
    (
        "create: one bad tag",
        lambda u: registry.create_registered_model(u, name="n", tags=[("ok", "1"), ("", "2")]),
        InvalidParameter,
        "Missing value for required parameter 'key'",
    ),
    (
        "create: description with NUL",
        lambda u: registry.create_registered_model(u, name="n", description="a\x00"),
        InvalidParameter,
        "control character",
    ),
    (
        "update: missing model",
        lambda u: registry.update_registered_model(u, name="missing", description="d"),
        NotFound,
        "name=missing not found",
    ),
    (
        "update: description too long",
        lambda u: registry.update_registered_model(u, name="seed", description="d" * 100_001),
        InvalidParameter,
        "the limit is 100000",
    ),
    (
        "set model tag: key too long",
        lambda u: registry.set_registered_model_tag(u, name="seed", key="k" * 251, value="v"),
        InvalidParameter,
        "the limit is 250",
    ),
    (
        "set model tag: value too long",
        lambda u: registry.set_registered_model_tag(u, name="seed", key="k", value="v" * 100_001),
        InvalidParameter,
        "the limit is 100000",
    ),
    (
        "set model tag: missing model",
        lambda u: registry.set_registered_model_tag(u, name="missing", key="k", value="v"),
        NotFound,
        "name=missing not found",
    ),
    (
        "delete model tag: bad key",
        lambda u: registry.delete_registered_model_tag(u, name="seed", key="a:b"),
        InvalidParameter,
        "Invalid tag key",
    ),
    (
        "create version: missing model",
        lambda u: new_version(u, name="missing", source="s3://b/s"),
        NotFound,
        "name=missing not found",
    ),
    (
        "create version: no source",
        lambda u: new_version(u, name="seed", source=""),
        InvalidParameter,
        "'source'",
    ),
    (
        "create version: bad tag",
        lambda u: new_version(u, name="seed", source="s3://b/s", tags=[("k\n", "v")]),
        InvalidParameter,
        "Invalid tag key",
    ),
    (
        "create version: too many tags",
        lambda u: new_version(
            u, name="seed", source="s3://b/s", tags=[(f"k{i}", "v") for i in range(1_001)]
        ),
        InvalidParameter,
        "at most 1000 tags",
    ),
    (
        "update version: missing version",
        lambda u: versions.update_model_version(u, name="seed", version=7, description="d"),
        NotFound,
        r"version=7\) not found",
    ),
    (
        "update version: zero",
        lambda u: versions.update_model_version(u, name="seed", version="0", description="d"),
        InvalidParameter,
        "positive integer",
    ),
    (
        "delete version: 2**40",
        lambda u: versions.delete_model_version(u, name="seed", version=2**40),
        InvalidParameter,
        "positive integer",
    ),
    (
        "delete version: not a number",
        lambda u: versions.delete_model_version(u, name="seed", version="one"),
        InvalidParameter,
        "must be an integer",
    ),
    (
        "delete version: missing",
        lambda u: versions.delete_model_version(u, name="seed", version=2),
        NotFound,
        r"version=2\) not found",
    ),
    (
        "set version tag: NUL in value",
        lambda u: versions.set_model_version_tag(u, name="seed", version=1, key="k", value="\x00"),
        InvalidParameter,
        "control character",
    ),
    (
        "set version tag: missing version",
        lambda u: versions.set_model_version_tag(u, name="seed", version=3, key="k", value="v"),
        NotFound,
        r"version=3\) not found",
    ),
    (
        "delete version tag: missing version",
        lambda u: versions.delete_model_version_tag(u, name="seed", version=3, key="k"),
        NotFound,
        r"version=3\) not found",
    ),
    (
        "set alias: latest",
        lambda u: aliases.set_registered_model_alias(u, name="seed", alias="Latest", version=1),
        InvalidParameter,
        "'latest' alias name",
    ),
    (
        "set alias: version reference",
        lambda u: aliases.set_registered_model_alias(u, name="seed", alias="v1", version=1),
        InvalidParameter,
        "Version alias name 'v1' is reserved",
    ),
    (
        "set alias: space",
        lambda u: aliases.set_registered_model_alias(u, name="seed", alias="a b", version=1),
        InvalidParameter,
        "Invalid alias name",
    ),
    (
        "set alias: 256 chars",
        lambda u: aliases.set_registered_model_alias(u, name="seed", alias="a" * 256, version=1),
        InvalidParameter,
        "the limit is 255",
    ),
    (
        "set alias: missing version",
        lambda u: aliases.set_registered_model_alias(u, name="seed", alias="x", version=2),
        NotFound,
        r"version=2\) not found",
    ),
    (
        "delete alias: empty",
        lambda u: aliases.delete_registered_model_alias(u, name="seed", alias=""),
        InvalidParameter,
        "cannot be empty",
    ),
    (
        "delete alias: missing model",
        lambda u: aliases.delete_registered_model_alias(u, name="missing", alias="champion"),
        NotFound,
        "name=missing not found",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "match"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_refusals_write_nothing(
    uow: UnitOfWork, call: Call, error: type[ModelyardError], match: str
) -> None:
    registry.create_registered_model(uow, name="seed", tags=[("k", "v")], description="d")
    new_version(uow, name="seed", source="s3://b/s", tags=[("k", "v")])
    aliases.set_registered_model_alias(uow, name="seed", alias="champion", version=1)
    with nothing_written(uow), pytest.raises(error, match=match):
        call(uow)
    # The version counter did not move either: the next version is still 2.
    assert new_version(uow, name="seed", source="s3://b/s").version == 2


# ---------------------------------------------------------------------------------------------
# search and paging


def _all_pages(fetch: Callable[[str | None], Any]) -> list[Any]:
    items: list[Any] = []
    token = None
    for _ in range(100):
        page = fetch(token)
        items += page.items
        token = page.next_page_token
        if token is None:
            return items
    raise AssertionError("more than 100 pages")


@pytest.mark.parametrize("order_by", [None, ["name DESC"], ["last_updated_timestamp DESC"]])
def test_search_registered_models_pages_return_every_model_once(
    uow: UnitOfWork, order_by: list[str] | None
) -> None:
    names = [f"model-{i:02d}" for i in (5, 1, 9, 3, 7, 2, 8)] + ["other"]
    for name in names:
        registry.create_registered_model(uow, name=name)

    def fetch(token: str | None) -> Any:
        return registry.search_registered_models(
            uow,
            filter_string="name LIKE 'model-%'",
            order_by=order_by,
            max_results=3,
            page_token=token,
        )

    found = [m.name for m in _all_pages(fetch)]
    assert sorted(found) == sorted(n for n in names if n.startswith("model-"))
    assert len(found) == len(set(found))
    if order_by == ["name DESC"]:
        assert found == sorted(found, reverse=True)
    if order_by is None:
        assert found == sorted(found)


def test_search_model_versions_pages_return_every_version_once(uow: UnitOfWork) -> None:
    make_model(uow, "a", 4)
    make_model(uow, "b", 3)
    versions.delete_model_version(uow, name="a", version=2)

    def fetch(token: str | None) -> Any:
        return versions.search_model_versions(uow, max_results=2, page_token=token)

    found = [(v.name, v.version) for v in _all_pages(fetch)]
    assert sorted(found) == [("a", 1), ("a", 3), ("a", 4), ("b", 1), ("b", 2), ("b", 3)]
    assert len(found) == len(set(found))

    def fetch_ordered(token: str | None) -> Any:
        return versions.search_model_versions(
            uow,
            filter_string="name = 'a'",
            order_by=["version_number ASC"],
            max_results=1,
            page_token=token,
        )

    assert [v.version for v in _all_pages(fetch_ordered)] == [1, 3, 4]


def test_last_page_has_no_token(uow: UnitOfWork) -> None:
    for i in range(4):
        registry.create_registered_model(uow, name=f"m{i}")
    page = registry.search_registered_models(uow, max_results=4)
    assert len(page.items) == 4
    assert page.next_page_token is None
    first = registry.search_registered_models(uow, max_results=3)
    assert first.next_page_token is not None


def test_search_refuses_bad_paging(uow: UnitOfWork) -> None:
    with pytest.raises(InvalidParameter, match="Invalid page token"):
        registry.search_registered_models(uow, page_token="garbage!")
    with pytest.raises(InvalidParameter, match="max_results"):
        versions.search_model_versions(uow, max_results=0)
    with pytest.raises(InvalidParameter, match="Invalid filter"):
        versions.search_model_versions(uow, filter_string="name = 'a' OR name = 'b'")
