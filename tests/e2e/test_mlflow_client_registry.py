"""The real `mlflow.MlflowClient` against a live `modelyard server` process, on SQLite and on
PostgreSQL: everything the client's model-registry API does, including its error codes.

One server per backend for the whole module; every test uses model names of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion, RegisteredModel
from mlflow.exceptions import MlflowException

from tests.helpers import LiveServer

pytestmark = pytest.mark.e2e

# The stage APIs are deprecated in the client (a FutureWarning naming the caller); the tests call
# them on purpose and expect that warning.
STAGES_DEPRECATED = "Model registry stages will be removed"
PROMPT_TAG = "mlflow.prompt.is_prompt"


@pytest.fixture
def client(server: LiveServer) -> MlflowClient:
    return MlflowClient(tracking_uri=server.url, registry_uri=server.url)


@pytest.fixture
def name() -> str:
    """A model name no other test uses (the server lives for the whole module)."""
    return f"model-{uuid.uuid4().hex[:12]}"


def _unique_prefix() -> str:
    # No '_' or '%': the prefix goes into LIKE patterns.
    return f"p{uuid.uuid4().hex[:10]}-"


def _versions(client: MlflowClient, name: str, count: int, **kwargs: object) -> list[ModelVersion]:
    return [
        client.create_model_version(name, f"s3://bucket/{name}/{i}", **kwargs)  # type: ignore[arg-type]
        for i in range(1, count + 1)
    ]


def _transition(
    client: MlflowClient, name: str, version: str, stage: str, *, archive: bool = False
) -> ModelVersion:
    with pytest.warns(FutureWarning, match=STAGES_DEPRECATED):
        return client.transition_model_version_stage(
            name, version, stage, archive_existing_versions=archive
        )


def _latest(client: MlflowClient, name: str, stages: list[str] | None) -> list[ModelVersion]:
    with pytest.warns(FutureWarning, match=STAGES_DEPRECATED):
        return client.get_latest_versions(name, stages=stages)


def _all_pages(search: Callable[..., object], **kwargs: object) -> list[list[object]]:
    """Every page of a paged search, following next_page_token until it runs out."""
    pages: list[list[object]] = []
    token = None
    while True:
        page = search(page_token=token, **kwargs)
        pages.append(list(page))  # type: ignore[call-overload]
        token = page.token  # type: ignore[attr-defined]
        if not token:
            return pages
        assert len(pages) < 50, "paging does not end"


# ---------------------------------------------------------------------------------------------
# registered models


def test_create_get_update_delete_registered_model(client: MlflowClient, name: str) -> None:
    created = client.create_registered_model(name, tags={"team": "fraud"}, description="first")
    assert created.name == name
    assert created.tags == {"team": "fraud"}
    assert created.description == "first"
    assert created.creation_timestamp > 0

    fetched = client.get_registered_model(name)
    assert (fetched.name, fetched.tags, fetched.description) == (name, {"team": "fraud"}, "first")
    assert fetched.latest_versions == []

    updated = client.update_registered_model(name, description="second")
    assert updated.description == "second"
    assert updated.last_updated_timestamp >= created.last_updated_timestamp
    assert client.get_registered_model(name).description == "second"

    client.delete_registered_model(name)
    with pytest.raises(MlflowException, match="not found") as e:
        client.get_registered_model(name)
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_duplicate_registered_model_name_is_refused(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    with pytest.raises(MlflowException, match="already exists") as e:
        client.create_registered_model(name)
    assert e.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_rename_registered_model_keeps_versions(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 2)
    client.set_registered_model_alias(name, "champion", "2")
    # MlflowClient.rename_registered_model returns None in 3.x; read the model back instead.
    client.rename_registered_model(name, f"{name}-renamed")
    assert client.get_registered_model(f"{name}-renamed").aliases == {"champion": "2"}

    with pytest.raises(MlflowException, match="not found") as e:
        client.get_registered_model(name)
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    moved = client.get_model_version(f"{name}-renamed", "2")
    assert (moved.name, moved.source) == (f"{name}-renamed", f"s3://bucket/{name}/2")
    assert client.get_model_version_by_alias(f"{name}-renamed", "champion").version == "2"


def test_rename_onto_an_existing_name_is_refused(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    client.create_registered_model(f"{name}-other")
    with pytest.raises(MlflowException, match="already exists") as e:
        client.rename_registered_model(name, f"{name}-other")
    assert e.value.error_code == "RESOURCE_ALREADY_EXISTS"
    assert client.get_registered_model(name).name == name


def test_search_registered_models_by_name_like_ilike_and_tags(client: MlflowClient) -> None:
    prefix = _unique_prefix()
    for suffix, tier in (("Alpha", "gold"), ("alpha2", "silver"), ("beta", "gold")):
        client.create_registered_model(f"{prefix}{suffix}", tags={"tier": tier})

    def names(filter_string: str, **kwargs: object) -> list[str]:
        found = client.search_registered_models(filter_string, **kwargs)  # type: ignore[arg-type]
        return [m.name for m in found]

    assert names(f"name = '{prefix}beta'") == [f"{prefix}beta"]
    # LIKE is case-sensitive, ILIKE is not; results come back by name ascending by default.
    assert names(f"name LIKE '{prefix}alpha%'") == [f"{prefix}alpha2"]
    assert names(f"name ILIKE '{prefix}ALPHA%'") == [f"{prefix}Alpha", f"{prefix}alpha2"]
    assert names(f"name LIKE '{prefix}%' AND tags.tier = 'gold'") == [
        f"{prefix}Alpha",
        f"{prefix}beta",
    ]
    assert names(f"name LIKE '{prefix}%'", order_by=["name DESC"]) == [
        f"{prefix}beta",
        f"{prefix}alpha2",
        f"{prefix}Alpha",
    ]
    assert names(f"name = '{prefix}nothing'") == []


def test_search_registered_models_pages_return_every_model_once(client: MlflowClient) -> None:
    prefix = _unique_prefix()
    wanted = [f"{prefix}{i:02d}" for i in range(7)]
    for model_name in reversed(wanted):
        client.create_registered_model(model_name)

    pages = _all_pages(
        client.search_registered_models,
        filter_string=f"name LIKE '{prefix}%'",
        max_results=3,
        order_by=["name ASC"],
    )
    assert [len(p) for p in pages] == [3, 3, 1]
    found = [m.name for page in pages for m in page]  # type: ignore[attr-defined]
    assert found == wanted


def test_search_registered_models_skips_only_prompts(
    client: MlflowClient, server: LiveServer
) -> None:
    # The client appends "tag.`mlflow.prompt.is_prompt` != 'true'" to every search; models have no
    # such tag and must still be found, while a prompt-tagged entry must not.
    prefix = _unique_prefix()
    client.create_registered_model(f"{prefix}plain")
    # The client refuses the prompt tag on models; write it over the wire.
    for suffix, is_prompt in (("model", "false"), ("prompt", "true")):
        created = httpx.post(
            f"{server.url}/api/2.0/mlflow/registered-models/create",
            json={"name": f"{prefix}{suffix}", "tags": [{"key": PROMPT_TAG, "value": is_prompt}]},
            timeout=10,
        )
        assert created.status_code == 200, created.text

    found = client.search_registered_models(f"name LIKE '{prefix}%'")
    assert [m.name for m in found] == [f"{prefix}model", f"{prefix}plain"]
    asked = client.search_registered_models(
        f"name LIKE '{prefix}%' AND tags.`{PROMPT_TAG}` = 'true'"
    )
    assert [m.name for m in asked] == [f"{prefix}prompt"]


# ---------------------------------------------------------------------------------------------
# model versions


def test_model_version_create_get_update_delete(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    run_id = uuid.uuid4().hex
    created = client.create_model_version(
        name, "s3://bucket/m/1", run_id=run_id, tags={"k": "v"}, description="v one"
    )
    assert (created.name, created.version, created.current_stage) == (name, "1", "None")
    assert (created.source, created.run_id, created.status) == ("s3://bucket/m/1", run_id, "READY")
    assert (created.tags, created.description) == ({"k": "v"}, "v one")

    fetched = client.get_model_version(name, "1")
    assert (fetched.source, fetched.run_id, fetched.tags) == ("s3://bucket/m/1", run_id, {"k": "v"})
    second = client.create_model_version(name, "s3://bucket/m/2")
    assert second.version == "2"

    updated = client.update_model_version(name, "1", description="better")
    assert updated.description == "better"
    assert client.get_model_version(name, "1").description == "better"

    client.delete_model_version(name, "1")
    with pytest.raises(MlflowException, match="not found") as e:
        client.get_model_version(name, "1")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    # A deleted version's number is not given out again.
    assert client.create_model_version(name, "s3://bucket/m/3").version == "3"


def test_search_model_versions_filters(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    runs = [uuid.uuid4().hex for _ in range(3)]
    for i, run_id in enumerate(runs, start=1):
        client.create_model_version(
            name,
            f"s3://bucket/{name}/{i}",
            run_id=run_id,
            tags={"parity": "odd" if i % 2 else "even"},
        )

    def versions(filter_string: str) -> list[str]:
        found = client.search_model_versions(filter_string, order_by=["version_number ASC"])
        return [v.version for v in found]

    assert versions(f"name = '{name}'") == ["1", "2", "3"]
    assert versions(f"name = '{name}' AND run_id IN ('{runs[0]}', '{runs[2]}')") == ["1", "3"]
    assert versions(f"run_id = '{runs[1]}'") == ["2"]
    assert versions(f"name = '{name}' AND version_number = 2") == ["2"]
    assert versions(f"name = '{name}' AND version_number >= 2") == ["2", "3"]
    assert versions(f"name = '{name}' AND tags.parity = 'odd'") == ["1", "3"]
    assert versions(f"source_path = 's3://bucket/{name}/3'") == ["3"]
    assert versions(f"name = '{name}' AND source_path LIKE '%/{name}/%'") == ["1", "2", "3"]

    default_order = client.search_model_versions(f"name = '{name}'")
    assert [v.version for v in default_order] == ["3", "2", "1"]


def test_search_model_versions_pages_return_every_version_once(
    client: MlflowClient, name: str
) -> None:
    client.create_registered_model(name)
    _versions(client, name, 5)
    pages = _all_pages(
        client.search_model_versions,
        filter_string=f"name = '{name}'",
        max_results=2,
        order_by=["version_number DESC"],
    )
    assert [len(p) for p in pages] == [2, 2, 1]
    found = [v.version for page in pages for v in page]  # type: ignore[attr-defined]
    assert found == ["5", "4", "3", "2", "1"]


def test_tags_on_models_and_versions(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name, tags={"a": "1"})
    client.create_model_version(name, "s3://bucket/m/1", tags={"x": "1"})

    client.set_registered_model_tag(name, "b", "2")
    client.set_registered_model_tag(name, "a", "changed")
    assert client.get_registered_model(name).tags == {"a": "changed", "b": "2"}
    client.delete_registered_model_tag(name, "a")
    assert client.get_registered_model(name).tags == {"b": "2"}

    client.set_model_version_tag(name, "1", "y", "2")
    client.set_model_version_tag(name, "1", "x", "changed")
    assert client.get_model_version(name, "1").tags == {"x": "changed", "y": "2"}
    client.delete_model_version_tag(name, "1", "x")
    assert client.get_model_version(name, "1").tags == {"y": "2"}


def test_transition_stage_archives_the_previous_production_version(
    client: MlflowClient, name: str
) -> None:
    client.create_registered_model(name)
    _versions(client, name, 3)
    assert _transition(client, name, "1", "Production").current_stage == "Production"
    assert _transition(client, name, "3", "staging").current_stage == "Staging"
    promoted = _transition(client, name, "2", "production", archive=True)

    assert promoted.current_stage == "Production"
    stages = {v: client.get_model_version(name, v).current_stage for v in ("1", "2", "3")}
    assert stages == {"1": "Archived", "2": "Production", "3": "Staging"}
    assert [v.version for v in _latest(client, name, ["Production"])] == ["2"]
    assert [v.version for v in _latest(client, name, ["Archived", "Staging"])] == ["1", "3"]
    assert sorted(v.version for v in _latest(client, name, None)) == ["1", "2", "3"]
    latest = client.get_registered_model(name).latest_versions
    assert {v.current_stage: v.version for v in latest} == {
        "Archived": "1",
        "Production": "2",
        "Staging": "3",
    }


def test_get_model_version_download_uri(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    client.create_model_version(name, "s3://bucket/models/7")
    assert client.get_model_version_download_uri(name, "1") == "s3://bucket/models/7"


# ---------------------------------------------------------------------------------------------
# aliases


def test_aliases_set_move_resolve_and_delete(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 3)
    client.set_registered_model_alias(name, "champion", "1")
    client.set_registered_model_alias(name, "challenger", "2")

    assert client.get_model_version_by_alias(name, "champion").version == "1"
    assert client.get_registered_model(name).aliases == {"champion": "1", "challenger": "2"}
    assert list(client.get_model_version(name, "1").aliases) == ["champion"]

    client.set_registered_model_alias(name, "champion", "2")  # move
    assert client.get_model_version_by_alias(name, "champion").version == "2"
    assert list(client.get_model_version(name, "2").aliases) == ["challenger", "champion"]
    assert list(client.get_model_version(name, "1").aliases) == []

    # `latest` always means the newest version; nobody sets it.
    assert client.get_model_version_by_alias(name, "latest").version == "3"

    client.delete_registered_model_alias(name, "challenger")
    assert client.get_registered_model(name).aliases == {"champion": "2"}
    with pytest.raises(MlflowException, match="alias challenger not found") as e:
        client.get_model_version_by_alias(name, "challenger")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_deleting_a_version_removes_its_aliases(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 2)
    client.set_registered_model_alias(name, "champion", "2")
    client.delete_model_version(name, "2")

    assert client.get_registered_model(name).aliases == {}
    with pytest.raises(MlflowException, match="not found") as e:
        client.get_model_version_by_alias(name, "champion")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert client.get_model_version_by_alias(name, "latest").version == "1"


@pytest.mark.parametrize("alias", ["latest", "LATEST", "v1", "V12"])
def test_reserved_alias_names_are_refused(client: MlflowClient, name: str, alias: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 1)
    with pytest.raises(MlflowException, match="reserved") as e:
        client.set_registered_model_alias(name, alias, "1")
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"


# ---------------------------------------------------------------------------------------------
# error paths


def test_missing_model_version_and_alias(client: MlflowClient, name: str) -> None:
    for call in (
        lambda: client.get_registered_model(name),
        lambda: client.create_model_version(name, "s3://bucket/m/1"),
        lambda: client.delete_registered_model(name),
    ):
        with pytest.raises(MlflowException, match=f"name={name} not found") as e:
            call()
        assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    client.create_registered_model(name)
    with pytest.raises(MlflowException, match=r"version=9\) not found") as e:
        client.get_model_version(name, "9")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException, match="alias nobody not found") as e:
        client.get_model_version_by_alias(name, "nobody")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException, match="Latest version not found") as e:
        client.get_model_version_by_alias(name, "latest")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_invalid_stage_is_refused(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 1)
    with pytest.raises(MlflowException, match="Invalid Model Version stage") as e:
        _transition(client, name, "1", "Shipped")
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException, match="not an Active stage") as e:
        _transition(client, name, "1", "Archived", archive=True)
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    assert client.get_model_version(name, "1").current_stage == "None"


@pytest.mark.parametrize(
    ("search", "bad_filter", "message"),
    [
        ("models", "name = 'a' OR name = 'b'", "OR is not supported"),
        ("models", "colour = 'red'", "unknown key 'colour'"),
        ("models", "name = ", "a quoted string"),
        ("versions", "version_number = 'x'", "needs a whole number"),
        ("versions", "tags.k IN ('a')", "cannot be compared with IN"),
    ],
)
def test_bad_search_filter_is_invalid_parameter(
    client: MlflowClient, search: str, bad_filter: str, message: str
) -> None:
    run_search: Callable[[str], object] = (
        client.search_registered_models if search == "models" else client.search_model_versions
    )
    with pytest.raises(MlflowException, match=message) as e:
        run_search(bad_filter)
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"


def test_search_entities_are_mlflow_types(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 1)
    [model] = client.search_registered_models(f"name = '{name}'")
    [version] = client.search_model_versions(f"name = '{name}'")
    assert isinstance(model, RegisteredModel)
    assert isinstance(version, ModelVersion)
    assert [v.version for v in model.latest_versions] == ["1"]


def test_server_log_has_no_tracebacks(server: LiveServer, client: MlflowClient) -> None:
    # Runs last in the module (file order): no request so far may have ended in a 500.
    client.search_registered_models(max_results=1)
    log = server.log_path.read_text()
    assert "Traceback" not in log
    assert "INTERNAL_ERROR" not in log
