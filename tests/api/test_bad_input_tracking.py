"""Bad input to every MLflow tracking endpoint: always a 4xx in MLflow's error shape, never a
500, and never a write. Built on the registry's sweep (`test_bad_input.py`): one valid request
per endpoint with one thing broken per case."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from modelyard.api.mlflow import logged_models as logged_model_routes
from modelyard.api.mlflow import run_artifacts, tracking_experiments, tracking_runs
from modelyard.config import Settings
from tests.api import test_bad_input as sweep
from tests.api.test_bad_input import API, Endpoint, _ep

_TYPES: list[tuple[str, Any]] = [
    ("float type", 1.5),
    ("bool type", True),
    ("object type", {"a": "b"}),
    ("list type", ["x"]),
]
_LISTS: list[tuple[str, Any]] = [("string for list", "x"), ("int for list", 1), ("object", {})]


def _strings(values: list[tuple[str, Any]], *, get: bool) -> list[tuple[str, Any]]:
    return values if get else values + _TYPES


def _bad(kind: str, *, get: bool) -> list[tuple[str, Any]]:  # noqa: C901 - one table
    nul = [("NUL inside", "a\x00b")]
    if kind == "experiment_id":
        values = [("word", "abc"), ("negative", "-1"), ("decimal", "1.5"), ("hex", "0x1")]
        return _strings([*values, ("2**64", str(2**64)), ("empty", ""), *nul], get=get)
    if kind == "json_max_results":
        values = [("zero", 0), ("negative", -1), ("10**30", 10**30), ("string", "10")]
        return [*values, ("float", 1.5), ("bool", True), ("list", [1])]
    if kind in ("run_id", "optional_run_id"):
        empty = [] if kind == "optional_run_id" else [("empty", "")]
        values = [*empty, ("path", "../x"), ("space", "a b"), ("300 chars", "r" * 300)]
        return _strings([*values, *nul], get=get)
    if kind == "exp_name":
        values = [("empty", ""), ("blank", "  "), ("501 chars", "n" * 501), ("newline", "a\nb")]
        return _strings([*values, *nul], get=get)
    if kind == "key":
        values = [("empty", ""), ("251 chars", "k" * 251), ("semicolon", "a;b"), ("absolute", "/k")]
        return _strings([*values, ("parent", "a/../k"), ("newline", "k\n"), *nul], get=get)
    if kind in ("param_value", "tag_value", "exp_tag_value"):
        limit = {"param_value": 6000, "tag_value": 8000, "exp_tag_value": 20000}[kind]
        return _strings([(f"{limit + 1} chars", "v" * (limit + 1)), *nul], get=get)
    if kind == "int64":
        values = [("word", "abc"), ("decimal string", "1.5"), ("2**64 string", str(2**64))]
        return values if get else [*values, ("float", 1.5), ("bool", True), ("2**64", 2**64)]
    if kind == "double":
        return [
            ("word", "abc"),
            ("lower nan", "nan"),
            ("inf", "inf"),
            ("bool", True),
            ("list", [1]),
        ]
    if kind == "status":
        return _strings([("empty", ""), ("unknown", "DONE"), ("lower case", "finished")], get=get)
    if kind == "view_type":
        return _strings([("empty", ""), ("unknown", "EVERYTHING")], get=get)
    if kind == "run_filter":
        return [
            ("bare word", "metrics"),
            ("metric vs string", "metrics.x > 'a'"),
            ("param ordering", "params.p > 'a'"),
            ("OR", "metrics.a > 1 OR metrics.b > 1"),
            ("unknown attribute", "colour = 'red'"),
            ("unknown prefix", "model.x = '1'"),
            ("injection", "run_name = 'x'; DROP TABLE runs; --"),
            ("NUL in value", "tags.t = 'a\x00'"),
            ("huge number", "metrics.x > 1e999"),
        ] + ([] if get else _TYPES[:3])
    if kind == "run_order_by":
        return [
            ("unknown key", ["colour"]),
            ("datasets", ["datasets.name"]),
            ("bad direction", ["metrics.x UP"]),
            ("repeated", ["metrics.x", "metrics.x DESC"]),
            *([] if get else [*_LISTS, ("int item", [1])]),
        ]
    if kind == "experiment_ids":
        return [("word", ["abc"]), ("negative", ["-1"]), ("null item", [None]), *_LISTS]
    if kind == "metrics":
        return [
            ("missing value", [{"key": "m", "timestamp": 1}]),
            ("bad key", [{"key": "a;b", "value": 1, "timestamp": 1}]),
            ("string item", ["m"]),
            (
                "1001 metrics",
                [{"key": "m", "value": 1, "timestamp": 1, "step": i} for i in range(1001)],
            ),
            *_LISTS,
        ]
    if kind == "params":
        return [
            ("missing value", [{"key": "p"}]),
            ("101 params", [{"key": f"p{i}", "value": "v"} for i in range(101)]),
            ("6001-char value", [{"key": "p", "value": "v" * 6001}]),
            *_LISTS,
        ]
    if kind == "datasets":
        full = {"name": "d", "digest": "x", "source_type": "local", "source": "s"}
        return [
            ("empty dataset", [{"dataset": {}}]),
            ("no dataset", [{"tags": []}]),
            ("501-char name", [{"dataset": {**full, "name": "n" * 501}}]),
            ("37-char digest", [{"dataset": {**full, "digest": "d" * 37}}]),
            ("501-char input tag", [{"dataset": full, "tags": [{"key": "k", "value": "v" * 501}]}]),
            *_LISTS,
        ]
    if kind in ("model_refs", "output_refs"):
        values = [("bad id", [{"model_id": "bad"}]), ("no id", [{}]), *_LISTS]
        if kind == "output_refs":  # inputs have no step
            values.append(("bad step", [{"model_id": "m-" + "0" * 32, "step": "x"}]))
        return values
    if kind == "lm_status":
        return _strings([("unknown", "DONE"), ("pending", "LOGGED_MODEL_PENDING")], get=get)
    if kind == "lm_order_by":
        return [
            ("unknown field", [{"field_name": "colour"}]),
            ("params", [{"field_name": "params.p"}]),
            *_LISTS,
        ]
    if kind in ("dataset_name", "dataset_digest"):
        limit = 500 if kind == "dataset_name" else 36
        return _strings([(f"{limit + 1} chars", "d" * (limit + 1)), *nul], get=get)
    if kind == "metric_model_id":
        return _strings([("not an id", "model-1"), ("uppercase", "M-" + "0" * 32), *nul], get=get)
    if kind == "artifact_path":  # the forms of test_artifact_safety.py, as a query string carries
        return [
            ("parent", "../x"),
            ("parent deep", "dir/../../x"),
            ("absolute", "/etc"),
            ("encoded parent", "%2e%2e/x"),
            ("encoded slash", "..%2fx"),
            ("backslash", "..\\x"),
            ("empty segment", "a//b"),
            ("reserved", ".modelyard/blobs"),
            ("4097 chars", "p" * 4097),
            *nul,
        ]
    if kind == "tags":  # MLflow's tracking keys may contain ':' (registry tag keys may not)
        values = [v for v in sweep._tags() if v[0] != "colon in key"]
        return [*values, ("semicolon in key", [{"key": "a;b", "value": "v"}])]
    return sweep._bad_values(kind, get=get)


def endpoints(exp: str, run: str, model: str) -> tuple[Endpoint, ...]:
    r = {"run_id": run}
    lm = f"/logged-models/{model}"
    search = {"max_results": "max_results", "page_token": "page_token"}
    post_search = {"max_results": "json_max_results", "page_token": "page_token"}
    return (
        _ep(
            "POST",
            "/experiments/create",
            {"name": "fresh", "tags": [{"key": "k", "value": "v"}]},
            {"name": "exp_name", "tags": "tags"},
            ("name",),
        ),
        _ep(
            "GET",
            "/experiments/get",
            {"experiment_id": exp},
            {"experiment_id": "experiment_id"},
            ("experiment_id",),
        ),
        _ep(
            "GET",
            "/experiments/get-by-name",
            {"experiment_name": "seed"},
            {"experiment_name": "exp_name"},
            ("experiment_name",),
        ),
        _ep(
            "POST",
            "/experiments/search",
            {"filter": "name = 'seed'", "view_type": "ALL", "max_results": 5},
            {"view_type": "view_type", **post_search},
        ),
        _ep(
            "GET",
            "/experiments/search",
            {"filter": "name = 'seed'", "max_results": 5},
            {"view_type": "view_type", **search},
        ),
        _ep(
            "POST",
            "/experiments/update",
            {"experiment_id": exp, "new_name": "seed2"},
            {"experiment_id": "experiment_id", "new_name": "exp_name"},
            ("experiment_id", "new_name"),
        ),
        _ep(
            "POST",
            "/experiments/delete",
            {"experiment_id": exp},
            {"experiment_id": "experiment_id"},
            ("experiment_id",),
        ),
        _ep(
            "POST",
            "/experiments/restore",
            {"experiment_id": exp},
            {"experiment_id": "experiment_id"},
            ("experiment_id",),
        ),
        _ep(
            "POST",
            "/experiments/set-experiment-tag",
            {"experiment_id": exp, "key": "k", "value": "v"},
            {"experiment_id": "experiment_id", "key": "key", "value": "exp_tag_value"},
            ("experiment_id", "key", "value"),
        ),
        _ep(
            "POST",
            "/experiments/delete-experiment-tag",
            {"experiment_id": exp, "key": "t"},
            {"experiment_id": "experiment_id", "key": "key"},
            ("experiment_id", "key"),
        ),
        _ep(
            "POST",
            "/runs/create",
            {
                "experiment_id": exp,
                "run_name": "r",
                "start_time": 1,
                "tags": [{"key": "k", "value": "v"}],
            },
            {"experiment_id": "experiment_id", "start_time": "int64", "tags": "tags"},
            ("experiment_id",),
        ),
        _ep("GET", "/runs/get", r, {"run_id": "run_id"}, ("run_id",)),
        _ep(
            "POST",
            "/runs/update",
            {**r, "status": "FINISHED", "end_time": 5},
            {"run_id": "run_id", "status": "status", "end_time": "int64"},
            ("run_id",),
        ),
        _ep("POST", "/runs/delete", r, {"run_id": "run_id"}, ("run_id",)),
        _ep("POST", "/runs/restore", r, {"run_id": "run_id"}, ("run_id",)),
        _ep(
            "POST",
            "/runs/search",
            {
                "experiment_ids": [exp],
                "filter": "metrics.m > 0",
                "order_by": ["metrics.m DESC"],
                "max_results": 5,
            },
            {
                "experiment_ids": "experiment_ids",
                "filter": "run_filter",
                "order_by": "run_order_by",
                "run_view_type": "view_type",
                **post_search,
            },
            extra=(("max_results over the limit", {"max_results": 50_001}),),
        ),
        _ep(
            "POST",
            "/runs/log-metric",
            {**r, "key": "m", "value": 2.0, "timestamp": 1, "step": 1},
            {
                "run_id": "run_id",
                "key": "key",
                "value": "double",
                "timestamp": "int64",
                "step": "int64",
                "dataset_name": "dataset_name",
                "dataset_digest": "dataset_digest",
                "model_id": "metric_model_id",
            },
            ("run_id", "key", "value"),
        ),
        _ep(
            "POST",
            "/runs/log-parameter",
            {**r, "key": "p2", "value": "v"},
            {"run_id": "run_id", "key": "key", "value": "param_value"},
            ("run_id", "key", "value"),
        ),
        _ep(
            "POST",
            "/runs/set-tag",
            {**r, "key": "k2", "value": "v"},
            {"run_id": "run_id", "key": "key", "value": "tag_value"},
            ("run_id", "key", "value"),
        ),
        _ep(
            "POST",
            "/runs/delete-tag",
            {**r, "key": "t"},
            {"run_id": "run_id", "key": "key"},
            ("run_id", "key"),
        ),
        _ep(
            "POST",
            "/runs/log-batch",
            {
                **r,
                "metrics": [{"key": "m", "value": 1, "timestamp": 1}],
                "params": [{"key": "q", "value": "1"}],
                "tags": [{"key": "k", "value": "v"}],
            },
            {"run_id": "run_id", "metrics": "metrics", "params": "params", "tags": "tags"},
            ("run_id",),
        ),
        _ep(
            "POST",
            "/runs/log-model",
            {**r, "model_json": '{"artifact_path": "m"}'},
            {"run_id": "run_id"},
            ("run_id", "model_json"),
            extra=(
                ("model_json not JSON", {"model_json": "{"}),
                ("model_json a list", {"model_json": "[]"}),
            ),
        ),
        _ep(
            "POST",
            "/runs/log-inputs",
            {
                **r,
                "datasets": [
                    {"dataset": {"name": "d", "digest": "x", "source_type": "local", "source": "s"}}
                ],
            },
            {"run_id": "run_id", "datasets": "datasets", "models": "model_refs"},
            ("run_id",),
        ),
        _ep(
            "POST",
            "/runs/outputs",
            {**r, "models": [{"model_id": model, "step": 1}]},
            {"run_id": "run_id", "models": "output_refs"},
            ("run_id",),
        ),
        _ep(
            "GET",
            "/metrics/get-history",
            {**r, "metric_key": "m"},
            {"run_id": "run_id", "metric_key": "key", **search},
            ("run_id", "metric_key"),
        ),
        _ep(
            "GET",
            "/metrics/get-history-bulk-interval",
            {"run_ids": [run], "metric_key": "m"},
            {"metric_key": "key", "start_step": "int64", "end_step": "int64"},
            ("run_ids", "metric_key"),
        ),
        _ep(
            "POST",
            "/logged-models",
            {"experiment_id": exp, "name": "lm", "source_run_id": run},
            {
                "experiment_id": "experiment_id",
                "source_run_id": "optional_run_id",
                "params": "params",
                "tags": "tags",
            },
            ("experiment_id",),
        ),
        _ep(
            "POST",
            "/logged-models/search",
            {"experiment_ids": [exp], "filter": "name = 'lm'", "max_results": 5},
            {
                "experiment_ids": "experiment_ids",
                "filter": "run_filter",
                "order_by": "lm_order_by",
                **post_search,
            },
            ("experiment_ids",),
            extra=(("max_results over the limit", {"max_results": 1001}),),
        ),
        _ep(
            "PATCH",
            lm,
            {"model_id": model, "status": "LOGGED_MODEL_READY"},
            {"status": "lm_status"},
            ("status",),
        ),
        _ep("PATCH", lm + "/tags", {"tags": [{"key": "k", "value": "v"}]}, {"tags": "tags"}),
        _ep("POST", lm + "/params", {"params": [{"key": "p", "value": "v"}]}, {"params": "params"}),
        _ep("GET", lm, {}, {}, extra=(("allow_deleted not a bool", {"allow_deleted": "maybe"}),)),
        _ep(
            "GET",
            "/artifacts/list",
            {**r, "path": "dir"},
            {"run_id": "run_id", "path": "artifact_path"},
            ("run_id",),
        ),
        _ep(
            "GET",
            lm + "/artifacts/directories",
            {"artifact_directory_path": "dir"},
            {"artifact_directory_path": "artifact_path"},
        ),
        _ep(
            "POST",
            "/experiments/search-datasets",
            {"experiment_ids": [exp]},
            {"experiment_ids": "experiment_ids"},
            ("experiment_ids",),
            extra=(("21 experiments", {"experiment_ids": [str(i) for i in range(21)]}),),
        ),
    )


def _cases(ep: Endpoint) -> list[sweep.Case]:
    """The registry sweep's cases (malformed bodies, missing and null fields) with our kinds."""
    found: list[sweep.Case] = [] if ep.is_get else list(sweep._body_cases(ep))
    if ep.required:
        found.append(
            sweep._request_case(ep, "no parameters", dict.fromkeys(ep.valid, sweep._MISSING))
        )
    for name in sorted(ep.required):
        found.append(sweep._request_case(ep, f"{name}: missing", {name: sweep._MISSING}))
        if not ep.is_get:
            found.append(sweep._request_case(ep, f"{name}: null", {name: None}))
    for name, kind in ep.fields.items():
        for label, value in _bad(kind, get=ep.is_get):
            found.append(sweep._request_case(ep, f"{name}: {label}", {name: value}))
    for label, changes in ep.extra:
        found.append(sweep._request_case(ep, label, changes))
    return found


def _seed(client: TestClient) -> tuple[str, str, str]:
    def call(method: str, path: str, body: dict[str, Any]) -> Any:
        response = client.request(method, API + path, json=body)
        assert response.status_code == 200, (path, response.text)
        return response.json()

    exp = call("POST", "/experiments/create", {"name": "seed"})["experiment_id"]
    call(
        "POST", "/experiments/set-experiment-tag", {"experiment_id": exp, "key": "t", "value": "v"}
    )
    run = call("POST", "/runs/create", {"experiment_id": exp})["run"]["info"]["run_id"]
    call(
        "POST",
        "/runs/log-batch",
        {
            "run_id": run,
            "metrics": [{"key": "m", "value": 1, "timestamp": 1}],
            "tags": [{"key": "t", "value": "v"}],
        },
    )
    model = call("POST", "/logged-models", {"experiment_id": exp})["model"]["info"]["model_id"]
    return exp, run, model


_PLACEHOLDER = endpoints("1", "r" * 32, "m-" + "0" * 32)


def test_every_tracking_route_has_a_sweep() -> None:
    routes = {
        (method, route.path.replace("m-" + "0" * 32, "{model_id}"))
        for router in (
            tracking_experiments.router,
            tracking_runs.router,
            logged_model_routes.router,
            run_artifacts.router,
        )
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    swept = {(ep.method, ep.path.replace("m-" + "0" * 32, "{model_id}")) for ep in _PLACEHOLDER}
    # The two DELETE routes of logged models take no body: they are checked in the API tests.
    unswept = {
        ("DELETE", "/logged-models/{model_id}"),
        ("DELETE", "/logged-models/{model_id}/tags/{tag_key}"),
    }
    assert routes - unswept == swept


@pytest.mark.parametrize("index", range(len(_PLACEHOLDER)), ids=[ep.id for ep in _PLACEHOLDER])
def test_bad_tracking_input_is_refused_without_writing(
    client: TestClient, settings: Settings, index: int
) -> None:
    ep = endpoints(*_seed(client))[index]
    before = sweep._snapshot(settings)
    failures = []
    for case in _cases(ep):
        problem = sweep._problem(sweep._send(client, ep, case), case)
        if problem is not None:
            failures.append(f"{ep.id} [{case.label}]: {problem}")
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures)
    after = sweep._snapshot(settings)
    changed = {t: (len(before[t]), len(after[t])) for t in before if before[t] != after[t]}
    assert not changed, f"refused requests changed tables (rows before, after): {changed}"
    response = sweep._send(client, ep, sweep._request_case(ep, "valid", {}))
    assert response.status_code == 200, response.text
