"""The run, experiment and logged-model search grammars (built on the registry's tokenizer and
clause parser), without a database."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelyard.domain.filter_tokens import Kind, Source, tokenize
from modelyard.domain.run_filters import (
    RunComparison,
    RunOrderBy,
    parse_experiment_filter,
    parse_experiment_order_by,
    parse_logged_model_filter,
    parse_logged_model_order_by,
    parse_run_filter,
    parse_run_order_by,
    run_sort,
)
from modelyard.errors import InvalidParameter


def c(kind: str, key: str, op: str, value: object) -> RunComparison:
    return RunComparison(kind, key, op, value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, []),
        ("  ", []),
        ("metrics.x > 0.5", [c("metric", "x", ">", 0.5)]),
        ("metric.x <= -1e-3", [c("metric", "x", "<=", -0.001)]),
        ("metrics.`f1 score` = 1", [c("metric", "f1 score", "=", 1.0)]),
        ("metrics.a.b != 2.5E2", [c("metric", "a.b", "!=", 250.0)]),
        ("params.p = 'a'", [c("param", "p", "=", "a")]),
        ("parameter.p LIKE 'a%'", [c("param", "p", "LIKE", "a%")]),
        ("tags.t = 'v'", [c("tag", "t", "=", "v")]),
        ("tag.`mlflow.user` ILIKE 'AL%'", [c("tag", "mlflow.user", "ILIKE", "AL%")]),
        ("attributes.status = 'FINISHED'", [c("attribute", "status", "=", "FINISHED")]),
        ("attribute.run_name = 'r'", [c("attribute", "run_name", "=", "r")]),
        ("run_name != 'r'", [c("attribute", "run_name", "!=", "r")]),
        ("start_time >= 10", [c("attribute", "start_time", ">=", 10)]),
        ("attr.end_time < 20", [c("attribute", "end_time", "<", 20)]),
        ("run_id IN ('a', 'b')", [c("attribute", "run_id", "IN", ("a", "b"))]),
        ("run_id NOT IN ('a')", [c("attribute", "run_id", "NOT IN", ("a",))]),
        ("datasets.name = 'train'", [c("dataset", "name", "=", "train")]),
        ("dataset.context IN ('eval')", [c("dataset", "context", "IN", ("eval",))]),
        (
            "metrics.x > 0.5 and params.p = 'a' AND tags.t = 'v'",
            [c("metric", "x", ">", 0.5), c("param", "p", "=", "a"), c("tag", "t", "=", "v")],
        ),
    ],
)
def test_valid_run_filters(text: str | None, expected: list[RunComparison]) -> None:
    assert parse_run_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("metrics.x > 'a'", r"metric 'x' needs a number"),
        ("metrics.x LIKE 'a'", r"cannot be compared with LIKE"),
        ("metrics.x > 1e999", r"out of range"),
        ("metrics.x > 1.5.2", r"invalid number"),
        ("metrics.x > 1x", r"invalid number"),
        ("params.p > 'a'", r"cannot be compared with >"),
        ("params.p = 1", r"needs a quoted string"),
        ("start_time > 1.5", r"needs a whole number"),
        ("start_time > 'a'", r"start_time needs a number"),
        ("start_time > 99999999999999999999", r"out of range"),
        ("colour = 'red'", r"unknown attribute 'colour'"),
        ("datasets.size = 'x'", r"unknown dataset field 'size'"),
        ("foo.bar = 'x'", r"unknown prefix 'foo'"),
        ("metrics.x > 1 OR metrics.y > 1", r"OR is not supported"),
        ("run_id IN 'a'", r"IN needs a list"),
        ("params.p LIKE 'a\\'", r"unpaired escape"),
        ("tags.`a\x00` = 'v'", r"NUL"),
    ],
)
def test_invalid_run_filters(text: str, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        parse_run_filter(text)


def test_the_registry_tokenizer_still_takes_whole_numbers_only() -> None:
    with pytest.raises(InvalidParameter, match="only whole numbers"):
        tokenize(Source("filter", "version_number = 1.5"))
    numbers = [t.value for t in tokenize(Source("filter", "1.5 -2e3", decimals=True))]
    assert numbers == ["1.5", "-2e3", ""]


def test_order_by() -> None:
    assert parse_run_order_by(["metrics.test_f1 DESC", "params.p", "tags.`a b` asc"]) == [
        RunOrderBy("metric", "test_f1", ascending=False),
        RunOrderBy("param", "p", ascending=True),
        RunOrderBy("tag", "a b", ascending=True),
    ]
    assert parse_run_order_by("attributes.start_time DESC") == [
        RunOrderBy("attribute", "start_time", ascending=False)
    ]
    assert run_sort([]) == [
        RunOrderBy("attribute", "start_time", ascending=False),
        RunOrderBy("attribute", "run_id", ascending=True),
    ]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["colour"], r"cannot order by 'colour'"),
        (["datasets.name"], r"cannot order by datasets.<key>"),
        (["metrics.x UP"], r"expected ASC or DESC"),
        (["metrics.x", "metrics.x DESC"], r"already ordered"),
        (["metrics.x, params.y"], r"one key per order_by item"),
    ],
)
def test_invalid_order_by(items: list[str], message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        parse_run_order_by(items)


def test_experiment_and_logged_model_grammars() -> None:
    assert parse_experiment_filter("name LIKE 'x%' and tags.k = 'v' and creation_time > 5") == [
        c("attribute", "name", "LIKE", "x%"),
        c("tag", "k", "=", "v"),
        c("attribute", "creation_time", ">", 5),
    ]
    with pytest.raises(InvalidParameter, match="unknown prefix 'metrics'"):
        parse_experiment_filter("metrics.x > 1")
    assert parse_experiment_order_by(["name DESC"]) == [RunOrderBy("attribute", "name", False)]
    assert parse_logged_model_filter("name = 'm' and metrics.acc >= 0.9") == [
        c("attribute", "name", "=", "m"),
        c("metric", "acc", ">=", 0.9),
    ]
    assert parse_logged_model_order_by([("metrics.acc", False)]) == [
        RunOrderBy("metric", "acc", ascending=False)
    ]
    with pytest.raises(InvalidParameter, match="cannot order by params"):
        parse_logged_model_order_by([("params.p", True)])


# --- properties --------------------------------------------------------------------------------

_KEYS = st.text(alphabet="abcxyz_019.", min_size=1, max_size=8).filter(
    lambda k: not k.startswith(".") and not k.endswith(".") and ".." not in k
)
_FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)


@given(_KEYS, st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), _FINITE)
def test_any_metric_comparison_round_trips(key: str, op: str, value: float) -> None:
    # repr() gives the shortest text that reads back as the same double.
    text = f"metrics.`{key}` {op} {value!r}"
    assert parse_run_filter(text) == [c("metric", key, op, value)]


@given(
    st.sampled_from(["params", "tags"]),
    _KEYS,
    st.sampled_from(["=", "!=", "LIKE", "ILIKE"]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")),
)
def test_any_string_comparison_round_trips(prefix: str, key: str, op: str, value: str) -> None:
    if op in ("LIKE", "ILIKE") and (len(value) - len(value.rstrip("\\"))) % 2:
        value += "\\"
    quoted = "'" + value.replace("'", "''") + "'"
    kind = "param" if prefix == "params" else "tag"
    assert parse_run_filter(f"{prefix}.`{key}` {op} {quoted}") == [c(kind, key, op, value)]


_FRAGMENTS = st.sampled_from(
    [
        "metrics", "params", "tags", "attributes", "datasets", "run_name", "start_time", ".",
        "`", "'", "=", "<", ">=", "LIKE", "IN", "NOT", "AND", "OR", "(", ")", ",", "-", "1",
        "1.5", "1e", "e3", "1.5.", "'x'", "\\", "\x00", "\udc80", "nan", "inf",
    ]
)  # fmt: skip


def _only_invalid_parameter(call: Callable[[], object]) -> None:
    try:
        call()
    except InvalidParameter as e:
        message = e.message
    else:
        return
    assert message.startswith(("Invalid filter ", "Invalid order_by "))


@given(st.one_of(st.text(max_size=40), st.lists(_FRAGMENTS, max_size=12).map(" ".join)))
def test_any_text_fails_only_with_invalid_parameter(text: str) -> None:
    _only_invalid_parameter(lambda: parse_run_filter(text))
    _only_invalid_parameter(lambda: parse_run_order_by([text]))
    _only_invalid_parameter(lambda: parse_experiment_filter(text))
    _only_invalid_parameter(lambda: parse_logged_model_filter(text))


@given(st.lists(_FRAGMENTS, max_size=12).map("".join))
def test_decimal_tokens_are_well_formed_numbers(text: str) -> None:
    try:
        tokens = tokenize(Source("filter", text, decimals=True))
    except InvalidParameter:
        return
    for token in tokens:
        if token.kind is Kind.NUMBER:
            assert not math.isnan(float(token.value))
