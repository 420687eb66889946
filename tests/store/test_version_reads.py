"""Reading versions back with their tags and aliases, one version or a page of many: every tag
and alias lands on its own version, aliases in name order."""

from __future__ import annotations

from modelyard.services import aliases, registry, versions
from modelyard.store.uow import UnitOfWork

EXTERNAL = ("s3://",)


def _seed(uow: UnitOfWork, count: int) -> None:
    registry.create_registered_model(uow, name="m")
    for i in range(1, count + 1):
        tags = [("i", str(i))] + ([("even", "yes")] if i % 2 == 0 else [])
        versions.create_model_version(
            uow, name="m", source=f"s3://b/{i}", tags=tags, external_sources=EXTERNAL
        )
    for alias, version in [("zeta", 3), ("alpha", 3), ("beta", 5), ("gamma", 1)]:
        aliases.set_registered_model_alias(uow, name="m", alias=alias, version=version)


def _expected_aliases(number: int) -> list[str]:
    return {3: ["alpha", "zeta"], 5: ["beta"], 1: ["gamma"]}.get(number, [])


def test_a_page_of_versions_carries_each_ones_tags_and_aliases(uow: UnitOfWork) -> None:
    _seed(uow, 7)
    found = versions.search_model_versions(
        uow, filter_string="name = 'm'", order_by=["version_number ASC"], max_results=5
    )
    assert [v.version for v in found.items] == [1, 2, 3, 4, 5]
    for v in found.items:
        expected_tags = {"i": str(v.version)} | ({"even": "yes"} if v.version % 2 == 0 else {})
        assert v.tags == expected_tags
        assert v.aliases == _expected_aliases(v.version)
        assert (v.name, v.source, v.current_stage) == ("m", f"s3://b/{v.version}", "None")
        assert v.creation_timestamp <= v.last_updated_timestamp


def test_one_version_carries_its_tags_and_aliases(uow: UnitOfWork) -> None:
    _seed(uow, 5)
    for number in range(1, 6):
        v = versions.get_model_version(uow, name="m", version=number)
        assert v.tags["i"] == str(number)
        assert v.aliases == _expected_aliases(number)
    by_alias = aliases.get_model_version_by_alias(uow, name="m", alias="zeta")
    assert (by_alias.version, by_alias.aliases) == (3, ["alpha", "zeta"])
    assert by_alias.tags == {"i": "3"}
