"""docs/compatibility.md stays true: generated from the installed mlflow, checked on the app."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelyard.api.app import create_app
from modelyard.config import Settings

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "compatibility.md"
STALE = "docs/compatibility.md is stale: run python scripts/gen_compatibility.py --write"
OSS_SERVICES = {"ModelRegistryService", "MlflowService", "MlflowArtifactsService", "WebhookService"}


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_compatibility", ROOT / "scripts" / "gen_compatibility.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


gen = _load_script()


@pytest.fixture(scope="module")
def rows() -> list[Any]:
    return list(gen.table_rows())


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Any]:
    app = create_app(Settings(database_url="sqlite:///" + str(tmp_path / "x.db")))
    yield app
    app.state.uow.dispose()


def test_the_doc_is_what_the_script_generates(rows: list[Any], doc: str) -> None:
    assert gen.generated_part(doc) == gen.render(rows), STALE


def test_only_open_source_services_are_listed(rows: list[Any]) -> None:
    services = {row.endpoint.service for row in rows}
    assert services >= OSS_SERVICES
    assert not any(s.startswith(("Databricks", "UnityCatalog", "Uc")) for s in services)
    assert not any(row.endpoint.module.startswith(gen.SKIPPED_MODULE_PREFIXES) for row in rows)


def test_every_registry_endpoint_is_supported(rows: list[Any], doc: str) -> None:
    registry = [row for row in rows if row.endpoint.service == "ModelRegistryService"]
    assert len({row.endpoint.rpc for row in registry}) == 21
    assert len(registry) == 22  # get-latest-versions answers GET and POST
    assert [row for row in registry if row.status != gen.SUPPORTED] == []
    for row in registry:
        assert row.markdown() in doc, STALE


def test_every_other_endpoint_has_a_planned_or_out_of_scope_status(rows: list[Any]) -> None:
    allowed = {gen.SUPPORTED, gen.PLANNED_TRACKING, gen.PLANNED_GOVERNANCE, gen.OUT_OF_SCOPE}
    assert {row.status for row in rows} <= allowed
    webhooks = {row.status for row in rows if row.endpoint.service == "WebhookService"}
    assert webhooks == {gen.PLANNED_GOVERNANCE}
    artifacts = {
        row.endpoint.rpc: row.status
        for row in rows
        if row.endpoint.service == "MlflowArtifactsService"
    }
    # The artifact proxy is served; presigned downloads are not (yet).
    assert artifacts.pop("getPresignedDownloadUrl") == gen.PLANNED_TRACKING
    assert set(artifacts.values()) == {gen.SUPPORTED}


def test_every_route_served_under_the_mlflow_prefix_is_in_the_doc(app: Any, doc: str) -> None:
    served = gen.served_routes(app)
    # The walk must see at least what the OpenAPI schema lists, or it would check nothing.
    schema = {(m.upper(), p) for p, ops in app.openapi()["paths"].items() for m in ops}
    # OpenAPI writes `{artifact_path:path}` as `{artifact_path}`.
    assert schema <= {(m, re.sub(r":path}", "}", p)) for m, p in served}
    mlflow_routes = {(m, p) for m, p in served if p.startswith("/api/2.0/mlflow/")}
    assert len(mlflow_routes) > 22
    for method, path in sorted(mlflow_routes):
        if path.endswith(gen.CATCH_ALL):
            assert f"`{path}`" in doc, f"the catch-all {path} is not described"
            continue
        # " †" marks a descriptor path without its leading "/" (search-datasets).
        row = re.search(
            rf"^\| {method} \| `{re.escape(path)}`(?: †)? \| \w+ \| (.+) \|$", doc, re.M
        )
        assert row is not None, f"{method} {path} is served but missing from the doc; {STALE}"
        assert row.group(1) == gen.SUPPORTED, f"{method} {path} is served; {STALE}"


def test_the_ajax_prefix_serves_the_same_routes(app: Any) -> None:
    served = gen.served_routes(app)
    api = {(m, p.removeprefix("/api")) for m, p in served if p.startswith("/api/2.0/mlflow/")}
    ajax = {(m, p.removeprefix("/ajax-api")) for m, p in served if p.startswith("/ajax-api/")}
    assert api == ajax


def test_endpoints_not_supported_answer_endpoint_not_found(app: Any, rows: list[Any]) -> None:
    client = TestClient(app)
    for row in rows:
        if row.status == gen.SUPPORTED:
            continue
        url = re.sub(r"\{[^}]*\}|<[^>]*>", "x", row.endpoint.url)
        response = client.request(row.endpoint.method, url)
        assert response.status_code == 404, (row.endpoint.method, url)
        assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND", (row.endpoint.method, url)
