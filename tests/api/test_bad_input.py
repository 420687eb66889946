"""Bad input to every MLflow registry endpoint: always a 4xx in MLflow's error shape, never a 500,
and never a write.

The cases are built from a table of endpoints (`ENDPOINTS`) and of field kinds (`_bad_values`):
each case is one valid request with one thing broken, so a refusal can only come from that
thing. `test_every_route_has_a_sweep` keeps the table in step with the app's routes.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from modelyard.api.app import create_app
from modelyard.api.mlflow import registry as mlflow_registry
from modelyard.config import Settings
from modelyard.store.tables import metadata

API = "/api/2.0/mlflow"
JSON = "application/json"
_MISSING = object()  # a field left out of the request


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    valid: dict[str, Any]  # a request that succeeds against the seeded registry
    fields: dict[str, str]  # field -> kind (see `_bad_values`)
    required: frozenset[str] = frozenset()
    extra: tuple[tuple[str, dict[str, Any]], ...] = ()  # (label, request) combinations

    @property
    def is_get(self) -> bool:
        return self.method == "GET"

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def _ep(
    method: str,
    path: str,
    valid: dict[str, Any],
    fields: dict[str, str],
    required: tuple[str, ...] = (),
    extra: tuple[tuple[str, dict[str, Any]], ...] = (),
) -> Endpoint:
    return Endpoint(method, path, valid, fields, frozenset(required), extra)


_SEED = {"name": "seed"}
_SEED_V1 = {"name": "seed", "version": "1"}
_SEARCH_FIELDS = {"max_results": "max_results", "page_token": "page_token"}

ENDPOINTS: tuple[Endpoint, ...] = (
    _ep(
        "POST",
        "/registered-models/create",
        {"name": "fresh", "tags": [{"key": "k", "value": "v"}], "description": "d"},
        {"name": "model_name", "tags": "tags", "description": "text"},
        required=("name",),
    ),
    _ep(
        "POST",
        "/registered-models/rename",
        {"name": "seed", "new_name": "renamed"},
        {"name": "model_name", "new_name": "model_name"},
        required=("name", "new_name"),
    ),
    _ep(
        "PATCH",
        "/registered-models/update",
        {"name": "seed", "description": "new"},
        {"name": "model_name", "description": "text"},
        required=("name",),
    ),
    _ep(
        "DELETE",
        "/registered-models/delete",
        _SEED,
        {"name": "model_name"},
        required=("name",),
    ),
    _ep("GET", "/registered-models/get", _SEED, {"name": "model_name"}, required=("name",)),
    _ep(
        "GET",
        "/registered-models/search",
        {"filter": "name = 'seed'", "order_by": ["name DESC"], "max_results": 5},
        {"filter": "model_filter", "order_by": "model_order_by", **_SEARCH_FIELDS},
        extra=(("max_results over the limit", {"max_results": 1001}),),
    ),
    _ep(
        "POST",
        "/registered-models/get-latest-versions",
        {"name": "seed", "stages": ["None", "production"]},
        {"name": "model_name", "stages": "stages"},
        required=("name",),
    ),
    _ep(
        "GET",
        "/registered-models/get-latest-versions",
        {"name": "seed", "stages": ["None", "production"]},
        {"name": "model_name", "stages": "stages"},
        required=("name",),
    ),
    _ep(
        "POST",
        "/registered-models/set-tag",
        {"name": "seed", "key": "k2", "value": "v2"},
        {"name": "model_name", "key": "tag_key", "value": "tag_value"},
        required=("name", "key", "value"),
    ),
    _ep(
        "DELETE",
        "/registered-models/delete-tag",
        {"name": "seed", "key": "k"},
        {"name": "model_name", "key": "tag_key"},
        required=("name", "key"),
    ),
    _ep(
        "POST",
        "/registered-models/alias",
        {"name": "seed", "alias": "challenger", "version": "1"},
        {"name": "model_name", "alias": "settable_alias", "version": "version"},
        required=("name", "alias", "version"),
    ),
    _ep(
        "DELETE",
        "/registered-models/alias",
        {"name": "seed", "alias": "champion"},
        {"name": "model_name", "alias": "alias"},
        required=("name", "alias"),
    ),
    _ep(
        "GET",
        "/registered-models/alias",
        {"name": "seed", "alias": "champion"},
        {"name": "model_name", "alias": "alias"},
        required=("name", "alias"),
    ),
    _ep(
        "POST",
        "/model-versions/create",
        {
            "name": "seed",
            "source": "s3://bucket/model",
            "run_id": "r1",
            "run_link": "http://x/r1",
            "description": "d",
            "model_id": "m-1",
            "tags": [{"key": "k", "value": "v"}],
        },
        {
            "name": "model_name",
            "source": "source",
            "run_id": "run_id",
            "run_link": "run_link",
            "description": "text",
            "model_id": "run_id",
            "tags": "tags",
        },
        required=("name", "source"),
    ),
    _ep(
        "PATCH",
        "/model-versions/update",
        {"name": "seed", "version": "1", "description": "new"},
        {"name": "model_name", "version": "version", "description": "text"},
        required=("name", "version"),
    ),
    _ep(
        "POST",
        "/model-versions/transition-stage",
        {"name": "seed", "version": "1", "stage": "Staging", "archive_existing_versions": True},
        {
            "name": "model_name",
            "version": "version",
            "stage": "stage",
            "archive_existing_versions": "bool",
        },
        required=("name", "version", "stage"),
        extra=tuple(
            (f"archive_existing_versions with stage {stage!r}", {"stage": stage})
            for stage in ("Archived", "None", "archived", "NONE")
        ),
    ),
    _ep(
        "DELETE",
        "/model-versions/delete",
        _SEED_V1,
        {"name": "model_name", "version": "version"},
        required=("name", "version"),
    ),
    _ep(
        "GET",
        "/model-versions/get",
        _SEED_V1,
        {"name": "model_name", "version": "version"},
        required=("name", "version"),
    ),
    _ep(
        "GET",
        "/model-versions/search",
        {"filter": "name = 'seed'", "order_by": ["version_number DESC"], "max_results": 5},
        {"filter": "version_filter", "order_by": "version_order_by", **_SEARCH_FIELDS},
        extra=(("max_results over the limit", {"max_results": 200_001}),),
    ),
    _ep(
        "GET",
        "/model-versions/get-download-uri",
        _SEED_V1,
        {"name": "model_name", "version": "version"},
        required=("name", "version"),
    ),
    _ep(
        "POST",
        "/model-versions/set-tag",
        {"name": "seed", "version": "1", "key": "k2", "value": "v2"},
        {"name": "model_name", "version": "version", "key": "tag_key", "value": "tag_value"},
        required=("name", "version", "key", "value"),
    ),
    _ep(
        "DELETE",
        "/model-versions/delete-tag",
        {"name": "seed", "version": "1", "key": "k"},
        {"name": "model_name", "version": "version", "key": "tag_key"},
        required=("name", "version", "key"),
    ),
)

# ---------------------------------------------------------------------------------------------
# bad values per field kind

_CONTROL_CHARACTERS = {"NUL": "\x00", "US (0x1f)": "\x1f", "DEL": "\x7f", "newline": "\n"}


def _b64(raw: str | bytes) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).decode()


def _not_a_string() -> list[tuple[str, Any]]:
    return [("int", 1), ("float", 1.5), ("bool", True), ("object", {"a": "b"}), ("list", ["x"])]


def _not_a_list() -> list[tuple[str, Any]]:
    return [("string", "x"), ("int", 1), ("object", {"a": "b"}), ("bool", True)]


def _names() -> list[tuple[str, Any]]:
    values: list[tuple[str, Any]] = [
        ("empty", ""),
        ("blank", "   "),
        ("10,000 chars", "n" * 10_000),
        ("257 chars", "n" * 257),
        ("slash", "a/b"),
        ("colon", "a:b"),
        ("parent path", "../seed"),
        ("dot", "."),
    ]
    values += [(f"{label} inside", f"se{c}ed") for label, c in _CONTROL_CHARACTERS.items()]
    values += [("trailing newline", "seed\n"), ("trailing NUL", "seed\x00")]
    return values


def _tag_keys() -> list[tuple[str, Any]]:
    values: list[tuple[str, Any]] = [
        ("empty", ""),
        ("251 chars", "k" * 251),
        ("colon", "a:b"),
        ("absolute path", "/k"),
        ("parent path", "a/../k"),
        ("leading parent", "../k"),
        ("trailing slash", "k/"),
        ("trailing newline", "k\n"),
    ]
    values += [(f"{label} inside", f"k{c}k") for label, c in _CONTROL_CHARACTERS.items()]
    return values


def _free_text(limit: int) -> list[tuple[str, Any]]:
    return [
        (f"{limit + 1} chars", "t" * (limit + 1)),
        ("NUL inside", "a\x00b"),
        ("escape character", "a\x1b[31mb"),
        ("DEL inside", "a\x7fb"),
    ]


def _aliases() -> list[tuple[str, Any]]:
    values: list[tuple[str, Any]] = [
        ("empty", ""),
        ("space", "a b"),
        ("256 chars", "a" * 256),
        ("slash", "a/b"),
        ("colon", "a:b"),
        ("dot", "a.b"),
        ("trailing newline", "champion\n"),
    ]
    values += [(f"{label} inside", f"a{c}b") for label, c in _CONTROL_CHARACTERS.items()]
    return values


def _versions() -> list[tuple[str, Any]]:
    return [
        ("empty", ""),
        ("word", "one"),
        ("decimal string", "1.5"),
        ("exponent string", "1e3"),
        ("hex string", "0x1"),
        ("zero string", "0"),
        ("negative string", "-1"),
        ("2**40 string", str(2**40)),
        ("10**30 string", str(10**30)),
        ("NUL inside", "1\x00"),
    ]


def _json_versions() -> list[tuple[str, Any]]:
    return [
        ("zero", 0),
        ("negative", -1),
        ("2**40", 2**40),
        ("float", 1.5),
        ("whole float", 1.0),
        ("bool", True),
        ("object", {"v": 1}),
        ("list", [1]),
    ]


def _max_results() -> list[tuple[str, Any]]:
    return [
        ("zero", "0"),
        ("negative", "-1"),
        ("10**30", str(10**30)),
        ("word", "ten"),
        ("decimal", "1.5"),
        ("exponent", "1e3"),
        ("empty", ""),
        ("bool word", "true"),
    ]


def _page_tokens() -> list[tuple[str, Any]]:
    return [
        ("random text", "this is not a token!"),
        ("non-ascii", "tökén"),
        ("base64 of binary", _b64(b"\xff\xfe\x00garbage")),
        ("base64 of text", _b64("hello world")),
        ("base64 JSON list", _b64("[1, 2]")),
        ("base64 JSON without offset", _b64('{"page": 2}')),
        ("base64 JSON negative offset", _b64('{"offset": -1}')),
        ("base64 JSON string offset", _b64('{"offset": "10"}')),
        ("base64 JSON float offset", _b64('{"offset": 1.5}')),
        ("base64 JSON bool offset", _b64('{"offset": true}')),
        ("base64 JSON 2**40 offset", _b64(json.dumps({"offset": 2**40}))),
        ("base64 JSON huge offset", _b64('{"offset": 1e400}')),
        ("base64 deeply nested JSON", _b64("[" * 5_000 + "]" * 5_000)),
    ]


def _filters(*, versions: bool) -> list[tuple[str, Any]]:
    common: list[tuple[str, Any]] = [
        ("bare word", "name"),
        ("no value", "name ="),
        ("unquoted value", "name = seed"),
        ("OR", "name = 'a' OR name = 'b'"),
        ("dangling AND", "name = 'a' AND"),
        ("unknown key", "colour = 'red'"),
        ("unknown prefix", "params.x = '1'"),
        ("empty tag key", "tags. = 'x'"),
        ("unterminated string", "name = 'seed"),
        ("IN without list", "name IN 'seed'"),
        ("empty list", "name IN ()"),
        ("ordering on name", "name < 'seed'"),
        ("number for name", "name = 1"),
        ("ordering on a tag", "tags.k > 'a'"),
        ("unpaired escape", "name LIKE 'seed\\'"),
        ("parenthesis", "(name = 'seed')"),
        ("SQL injection", "name = 'seed'; DROP TABLE registered_models; --"),
        ("semicolon", ";"),
        # PostgreSQL cannot hold NUL in text, so these must be refused before any SQL runs.
        ("NUL in a value", "name = 'se\x00ed'"),
        ("NUL in a LIKE pattern", "name LIKE '%\x00%'"),
        ("NUL in a list", "name IN ('a', 'b\x00')"),
        ("NUL in a tag key", "tags.`k\x00` = 'v'"),
        ("NUL in a tag value", "tags.k = 'v\x00'"),
        ("NUL outside a string", "name = 'seed' \x00"),
    ]
    if not versions:
        return [*common, ("version_number on models", "version_number = 1")]
    return [
        *common,
        ("version_number word", "version_number = 'one'"),
        ("version_number out of range", f"version_number = {10**30}"),
        ("version_number LIKE", "version_number LIKE '1'"),
        ("version_number list", "version_number IN ('1')"),
        ("source_path IN", "source_path IN ('a')"),
        ("ordering on run_id", "run_id < 'x'"),
        ("NUL in run_id", "run_id = 'r\x00'"),
        ("NUL in source_path", "source_path LIKE 'file:%\x00'"),
    ]


def _order_bys(*, versions: bool) -> list[tuple[str, Any]]:
    common: list[tuple[str, Any]] = [
        ("unknown key", ["colour"]),
        ("bad direction", ["name ASCENDING"]),
        ("two directions", ["name ASC DESC"]),
        ("tag key", ["tags.k ASC"]),
        ("empty item", [""]),
        ("comma list in one item", ["name, creation_timestamp"]),
        ("repeated key", ["name ASC", "name DESC"]),
        ("one bad of two", ["name ASC", "bogus DESC"]),
    ]
    if versions:
        return [*common, ("source_path", ["source_path"]), ("run_id", ["run_id DESC"])]
    return [*common, ("version_number on models", ["version_number"])]


def _tags() -> list[tuple[str, Any]]:
    return [
        ("object for list", {"k": "v"}),
        ("string for list", "k=v"),
        ("list of strings", ["k"]),
        ("list of ints", [1]),
        ("null item", [None]),
        ("int key", [{"key": 1, "value": "v"}]),
        ("list value", [{"key": "k", "value": ["v"]}]),
        ("missing value", [{"key": "k"}]),
        ("missing key", [{"value": "v"}]),
        ("empty key", [{"key": "", "value": "v"}]),
        ("251-char key", [{"key": "k" * 251, "value": "v"}]),
        ("newline in key", [{"key": "a\nb", "value": "v"}]),
        ("colon in key", [{"key": "a:b", "value": "v"}]),
        ("100,001-char value", [{"key": "k", "value": "v" * 100_001}]),
        ("NUL in value", [{"key": "k", "value": "a\x00b"}]),
        ("1,001 tags", [{"key": f"k{i}", "value": "v"} for i in range(1_001)]),
        ("one bad of two", [{"key": "ok", "value": "v"}, {"key": "a\x00", "value": "v"}]),
    ]


def _stages() -> list[tuple[str, Any]]:
    return [
        ("empty", ""),
        ("unknown", "Deployed"),
        ("prefix", "Prod"),
        ("suffix", "Productionx"),
        ("NUL inside", "Staging\x00"),
    ]


def _bad_values(kind: str, *, get: bool) -> list[tuple[str, Any]]:
    """Bad values for one field; for GET only what a query string can carry."""
    strings: dict[str, list[tuple[str, Any]]] = {
        "model_name": _names(),
        "tag_key": _tag_keys(),
        "tag_value": _free_text(100_000),
        "text": _free_text(100_000),
        "source": [("empty", ""), *_free_text(8_000)],
        "run_id": _free_text(256),
        "run_link": _free_text(8_000),
        "alias": _aliases(),
        "settable_alias": [
            *_aliases(),
            *((f"reserved {a!r}", a) for a in ("latest", "LATEST", "Latest", "v1", "V12")),
        ],
        "version": _versions(),
        "stage": _stages(),
        "max_results": _max_results(),
        "page_token": _page_tokens(),
        "model_filter": _filters(versions=False),
        "version_filter": _filters(versions=True),
    }
    lists: dict[str, list[tuple[str, Any]]] = {
        "model_order_by": _order_bys(versions=False),
        "version_order_by": _order_bys(versions=True),
        "stages": [(label, [value]) for label, value in _stages()]
        + [("one bad of two", ["Production", "Bogus"])],
        "tags": _tags(),
    }
    if kind in strings:
        values = strings[kind]
        if get:
            return values
        wrong = _json_versions() if kind == "version" else _not_a_string()
        # A string field given an int, object, list... (version also takes a JSON integer).
        return values + [(f"{label} type", v) for label, v in wrong]
    if kind in lists:
        values = lists[kind]
        if get:
            return [(label, v) for label, v in values if all(isinstance(i, str) for i in v)]
        if kind != "tags":
            values = values + [(f"{label} for list", v) for label, v in _not_a_list()]
            values += [("int item", [1]), ("object item", [{"a": "b"}])]
        return values
    if kind == "bool":
        assert not get
        return [
            ("string 'true'", "true"),
            ("string 'yes'", "yes"),
            ("int 1", 1),
            ("object", {}),
            ("list", [True]),
        ]
    raise AssertionError(f"no bad values for field kind {kind!r}")


# ---------------------------------------------------------------------------------------------
# cases


@dataclass(frozen=True)
class Case:
    label: str
    body: bytes | None = None
    content_type: str | None = JSON
    query: tuple[tuple[str, str], ...] = ()
    # Only for input that is valid but names something that does not exist.
    not_found_ok: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def _query(params: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is _MISSING or value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            out.append((key, str(item)))
    return tuple(out)


def _request_case(ep: Endpoint, label: str, changes: dict[str, Any]) -> Case:
    params = {k: v for k, v in {**ep.valid, **changes}.items() if v is not _MISSING}
    if ep.is_get:
        return Case(label, query=_query(params))
    return Case(label, body=json.dumps(params).encode())


def _body_cases(ep: Endpoint) -> Iterator[Case]:
    valid = json.dumps(ep.valid).encode()
    malformed = {
        "truncated JSON": b'{"name": ',
        "unquoted keys": b"{name: 'seed'}",
        "trailing comma": b'{"name": "seed",}',
        "invalid UTF-8": b'{"name": "\xff\xfe"}',
        "lone surrogate": b'{"name": "\\ud800"}',
        "infinite number": b'{"name": "seed", "version": 1e400}',
        "deeply nested": b'{"name": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
        "two documents": valid + valid,
    }
    for label, raw in malformed.items():
        yield Case(f"malformed body: {label}", body=raw)
    for label, raw in {
        "array": json.dumps([ep.valid]).encode(),
        "empty array": b"[]",
        "string": b'"seed"',
        "number": b"42",
        "null": b"null",
        "bool": b"true",
    }.items():
        yield Case(f"body is a JSON {label}", body=raw)
    yield Case("empty body", body=b"")
    yield Case("whitespace body", body=b"  \n")
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "",
    ):
        yield Case(f"valid JSON sent as {content_type!r}", body=valid, content_type=content_type)
    yield Case("no content type", body=valid, content_type=None)
    form = "&".join(f"{k}={v}" for k, v in ep.valid.items() if isinstance(v, str)).encode()
    yield Case("form-encoded body", body=form, content_type="application/x-www-form-urlencoded")


def cases(ep: Endpoint) -> list[Case]:
    found: list[Case] = [] if ep.is_get else list(_body_cases(ep))
    if ep.required:
        found.append(_request_case(ep, "no parameters", dict.fromkeys(ep.valid, _MISSING)))
    for name in sorted(ep.required):
        found.append(_request_case(ep, f"{name}: missing", {name: _MISSING}))
        if not ep.is_get:
            found.append(_request_case(ep, f"{name}: null", {name: None}))
    for name, kind in ep.fields.items():
        for label, value in _bad_values(kind, get=ep.is_get):
            found.append(_request_case(ep, f"{name}: {label}", {name: value}))
    for label, changes in ep.extra:
        found.append(_request_case(ep, label, changes))
    labels = [c.label for c in found]
    assert len(labels) == len(set(labels)), f"duplicate case labels for {ep.id}"
    return found


# ---------------------------------------------------------------------------------------------
# checks


def _send(client: TestClient, ep: Endpoint, case: Case) -> Any:
    url = API + ep.path
    if ep.is_get:
        return client.get(url, params=list(case.query))
    headers = dict(case.headers)
    if case.content_type is not None:
        headers["content-type"] = case.content_type
    return client.request(ep.method, url, content=case.body, headers=headers)


def _problem(response: Any, case: Case) -> str | None:
    """What is wrong with the answer to a bad request, or None."""
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} with a non-JSON body {response.text[:200]!r}"
    if not 400 <= response.status_code <= 499:
        return f"status {response.status_code}, body {body!r:.300}"
    if not isinstance(body, dict) or set(body) != {"error_code", "message"}:
        return f"body is not exactly {{error_code, message}}: {body!r:.300}"
    if not isinstance(body["message"], str) or not body["message"].strip():
        return f"empty message: {body!r:.300}"
    expected = {("INVALID_PARAMETER_VALUE", 400)}
    if case.not_found_ok:
        expected.add(("RESOURCE_DOES_NOT_EXIST", 404))
    if (body["error_code"], response.status_code) not in expected:
        return f"{response.status_code} {body['error_code']}: {body['message'][:200]}"
    return None


def _snapshot(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    engine = sa.create_engine(settings.resolved_database_url())
    try:
        with engine.connect() as conn:
            return {
                t.name: [
                    tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))
                ]
                for t in metadata.sorted_tables
            }
    finally:
        engine.dispose()


def _seed(client: TestClient) -> None:
    steps = [
        ("POST", "/registered-models/create", {"name": "seed"}),
        ("POST", "/model-versions/create", {"name": "seed", "source": "s3://bucket/seed"}),
        ("POST", "/registered-models/set-tag", {"name": "seed", "key": "k", "value": "v"}),
        ("POST", "/model-versions/set-tag", {**_SEED_V1, "key": "k", "value": "v"}),
        ("POST", "/registered-models/alias", {**_SEED_V1, "alias": "champion"}),
    ]
    for method, path, body in steps:
        response = client.request(method, API + path, json=body)
        assert response.status_code == 200, (path, response.text)


# ---------------------------------------------------------------------------------------------
# tests


def _route_keys(settings: Settings) -> list[tuple[str, str]]:
    """(method, path) of every operation the app serves under the MLflow prefix."""
    paths = create_app(settings).openapi()["paths"]
    return [
        (method.upper(), path.removeprefix(API))
        for path, operations in paths.items()
        if path.startswith(API + "/")
        for method in operations
    ]


def test_every_route_has_a_sweep(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}", data_dir=tmp_path)
    # The registry's routes; the tracking routes are swept in test_bad_input_tracking.py.
    in_router = [
        (method, route.path)
        for route in mlflow_registry.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    ]
    routes = [r for r in _route_keys(settings) if r in in_router]
    assert len(routes) == 22, routes
    # Routes hidden from the schema would escape the list above; the router knows them all.
    assert sorted(in_router) == sorted(routes)
    swept = {(ep.method, ep.path) for ep in ENDPOINTS}
    assert len(swept) == len(ENDPOINTS)
    assert set(routes) == swept, {
        "routes without a sweep": sorted(set(routes) - swept),
        "sweeps without a route": sorted(swept - set(routes)),
    }


def test_cases_are_plentiful() -> None:
    counts = {ep.id: len(cases(ep)) for ep in ENDPOINTS}
    assert all(n >= 15 for n in counts.values()), counts


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda ep: ep.id)
def test_bad_input_is_refused_without_writing(
    client: TestClient, settings: Settings, ep: Endpoint
) -> None:
    _seed(client)
    before = _snapshot(settings)

    failures = []
    for case in cases(ep):
        problem = _problem(_send(client, ep, case), case)
        if problem is not None:
            failures.append(f"{ep.id} [{case.label}]: {problem}")
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures)

    after = _snapshot(settings)
    changed = {t: (len(before[t]), len(after[t])) for t in before if before[t] != after[t]}
    assert not changed, f"refused requests changed tables (rows before, after): {changed}"

    # The control: the unbroken request succeeds, so every refusal above came from the one
    # thing each case broke.
    valid = _request_case(ep, "valid", {})
    response = _send(client, ep, valid)
    assert response.status_code == 200, response.text
