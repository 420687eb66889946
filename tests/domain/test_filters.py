"""The search filter and order_by grammar, without a database."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelyard.domain.filters import (
    PROMPT_TAG,
    Comparison,
    OrderBy,
    model_version_sort,
    parse_model_version_filter,
    parse_model_version_order_by,
    parse_registered_model_filter,
    parse_registered_model_order_by,
    registered_model_sort,
)
from modelyard.errors import InvalidParameter

Parse = Callable[[str | None], list[Comparison]]
MODELS: Parse = parse_registered_model_filter
VERSIONS: Parse = parse_model_version_filter
BOTH = pytest.mark.parametrize("parse", [MODELS, VERSIONS], ids=["models", "versions"])


def attr(key: str, op: str, value: str | int | tuple[str, ...]) -> Comparison:
    return Comparison("attribute", key, op, value)


def tag(key: str, op: str, value: str) -> Comparison:
    return Comparison("tag", key, op, value)


# --- valid filters ---------------------------------------------------------------------------


@BOTH
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, []),
        ("", []),
        ("  \t\n ", []),
        ("name = 'x'", [attr("name", "=", "x")]),
        ('name = "x"', [attr("name", "=", "x")]),
        ("name='x'", [attr("name", "=", "x")]),
        ("name != 'x'", [attr("name", "!=", "x")]),
        ("name LIKE '%x%'", [attr("name", "LIKE", "%x%")]),
        ("name like '%x%'", [attr("name", "LIKE", "%x%")]),
        ("name ILIKE 'X_'", [attr("name", "ILIKE", "X_")]),
        ("name IN ('a', \"b\")", [attr("name", "IN", ("a", "b"))]),
        ("name in ('a',)", [attr("name", "IN", ("a",))]),
        ("name NOT IN ('a')", [attr("name", "NOT IN", ("a",))]),
        ("name not   in('a','b')", [attr("name", "NOT IN", ("a", "b"))]),
        ("attribute.name = 'x'", [attr("name", "=", "x")]),
        ("tags.stage = 'prod'", [tag("stage", "=", "prod")]),
        ("tag.stage != 'prod'", [tag("stage", "!=", "prod")]),
        ("tags.`my key` LIKE 'p%'", [tag("my key", "LIKE", "p%")]),
        ("tags.\"my key\" ILIKE 'p%'", [tag("my key", "ILIKE", "p%")]),
        ("tags.`mlflow.prompt.is_prompt` = 'true'", [tag("mlflow.prompt.is_prompt", "=", "true")]),
        ("tags.a.b.c = 'v'", [tag("a.b.c", "=", "v")]),
        ("tags.`it``s` = 'v'", [tag("it`s", "=", "v")]),
        ("tags.and = 'v'", [tag("and", "=", "v")]),
        ("name = 'it''s'", [attr("name", "=", "it's")]),
        ('name = "say ""hi"""', [attr("name", "=", 'say "hi"')]),
        ("name = 'say \"hi\"'", [attr("name", "=", 'say "hi"')]),
        ("name = 'C:\\dir'", [attr("name", "=", "C:\\dir")]),
        ("name = ''", [attr("name", "=", "")]),
        ("name = 'ünïcødé ✓'", [attr("name", "=", "ünïcødé ✓")]),
        ("name = 'a AND b'", [attr("name", "=", "a AND b")]),
        (
            "name = 'm' AND tags.t = 'v' and tags.u != 'w'",
            [attr("name", "=", "m"), tag("t", "=", "v"), tag("u", "!=", "w")],
        ),
        ("name='a'AND name='b'", [attr("name", "=", "a"), attr("name", "=", "b")]),
    ],
)
def test_valid_filters_for_both(parse: Parse, text: str | None, expected: list[Comparison]) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("run_id = 'abc'", [attr("run_id", "=", "abc")]),
        ("run_id != 'abc'", [attr("run_id", "!=", "abc")]),
        ("run_id IN ('a', 'b')", [attr("run_id", "IN", ("a", "b"))]),
        ("run_id NOT IN ('a')", [attr("run_id", "NOT IN", ("a",))]),
        ("run_id LIKE 'a%'", [attr("run_id", "LIKE", "a%")]),
        ("source_path = 's3://b/k'", [attr("source_path", "=", "s3://b/k")]),
        ("source_path != 's3://b/k'", [attr("source_path", "!=", "s3://b/k")]),
        ("source_path LIKE 's3://%'", [attr("source_path", "LIKE", "s3://%")]),
        ("source_path ILIKE 'S3://%'", [attr("source_path", "ILIKE", "S3://%")]),
        ("version_number = 3", [attr("version_number", "=", 3)]),
        ("version_number != 3", [attr("version_number", "!=", 3)]),
        ("version_number < 3", [attr("version_number", "<", 3)]),
        ("version_number <= 3", [attr("version_number", "<=", 3)]),
        ("version_number > 3", [attr("version_number", ">", 3)]),
        ("version_number >= 3", [attr("version_number", ">=", 3)]),
        ("version_number>=-1", [attr("version_number", ">=", -1)]),
        ("version_number = '7'", [attr("version_number", "=", 7)]),
        ("attribute.version_number > 1", [attr("version_number", ">", 1)]),
        (
            "name = 'm' AND version_number > 1 AND run_id IN ('r') AND tags.k = 'v'",
            [
                attr("name", "=", "m"),
                attr("version_number", ">", 1),
                attr("run_id", "IN", ("r",)),
                tag("k", "=", "v"),
            ],
        ),
    ],
)
def test_valid_version_filters(text: str, expected: list[Comparison]) -> None:
    assert VERSIONS(text) == expected


# --- invalid filters -------------------------------------------------------------------------


@BOTH
@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("name == 'x'", r"at position 6: expected a quoted string.*got '='"),
        ("name = 'x", r"at position 7: unterminated string"),
        ('name = "x', r"at position 7: unterminated string"),
        ("tags.`x = 'v'", r"at position 5: unterminated name"),
        ("name = 'x' garbage", r"at position 11: expected AND or the end of the filter"),
        ("name = 'x' OR name = 'y'", r"at position 11: OR is not supported"),
        ("name = 'x' AND", r"at end of input: expected a key"),
        ("name = 'x' AND AND name = 'y'", r"at position 15: expected a key.*got 'AND'"),
        ("name = 'x' AND IN = 'y'", r"at position 15: expected a key.*got 'IN'"),
        ("name", r"at end of input: expected an operator"),
        ("name =", r"at end of input: expected a quoted string"),
        ("name <> 'x'", r"at position 6: expected a quoted string.*got '>'"),
        ("name IS NULL", r"at position 5: expected an operator.*got 'IS'"),
        ("name NOT LIKE 'x'", r"at position 9: expected IN after NOT"),
        ("name = x", r"at position 7: expected a quoted string.*got 'x'"),
        ("name = 1", r"at position 7: name needs a quoted string value"),
        ("name = ('a')", r"at position 7: name needs a quoted string value"),
        ("name > 'a'", r"at position 5: name cannot be compared with >"),
        ("name IN 'a'", r"at position 8: IN needs a list"),
        ("name IN ()", r"at position 8: empty list"),
        ("name IN ('a' 'b')", r"at position 13: expected ',' or '\)'"),
        ("name IN ('a', 1)", r"at position 14: expected a quoted string in the list"),
        ("name IN (,)", r"at position 9: expected a quoted string in the list"),
        ("name IN ('a'", r"at end of input: expected ',' or '\)'"),
        ("NAME = 'x'", r"at position 0: unknown key 'NAME'"),
        ("creation_timestamp > 1", r"unknown key 'creation_timestamp'"),
        ("foo.bar = 'x'", r"at position 0: unknown prefix 'foo'"),
        ("tags . k = 'v'", r"at position 5: expected an operator.*got '\.'"),
        ("tags.k. = 'v'", r"at position 8: expected a key directly after '\.', got '='"),
        ("tags. k = 'v'", r"at position 6: expected a key directly after '\.'"),
        ("tags.a.`b` = 'v'", r"at position 5: a quoted key must be the whole key"),
        ("tags.`` = 'v'", r"at position 5: empty key"),
        ("tags.k > 'v'", r"at position 7: tag 'k' cannot be compared with >"),
        ("tags.k IN ('v')", r"tag 'k' cannot be compared with IN"),
        ("tags.k = 1", r"at position 9: tag 'k' needs a quoted string value"),
        ("tags.my-key = 'v'", r"at position 7: unexpected character '-'"),
        ("(name = 'x')", r"at position 0: expected a key"),
        ("name = 'x';", r"at position 10: unexpected character ';'"),
        ("name = 'a\x00'", r"at position 9: NUL characters are not allowed"),
        ("name = 'a\ud800'", r"at position 9: not valid Unicode"),
        ("name LIKE 'a\\'", r"at position 10: pattern ends with an unpaired escape"),
        ("name = 12ab", r"at position 7: invalid number '12ab'"),
    ],
)
def test_invalid_filters_for_both(parse: Parse, text: str, match: str) -> None:
    with pytest.raises(InvalidParameter, match=r"^Invalid filter .*" + match):
        parse(text)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("version_number = 1", r"unknown key 'version_number'; registered models can be filt"),
        ("run_id = 'r'", r"unknown key 'run_id'"),
        ("source_path = 's'", r"unknown key 'source_path'"),
    ],
)
def test_version_only_keys_are_refused_for_models(text: str, match: str) -> None:
    with pytest.raises(InvalidParameter, match=match):
        MODELS(text)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("version_number = 1.5", r"at position 17: invalid number '1.5'"),
        ("version_number = 1e3", r"invalid number '1e3'"),
        ("version_number = 'x'", r"at position 17: version_number needs a whole number"),
        ("version_number = ' 3'", r"version_number needs a whole number"),
        ("version_number = ''", r"version_number needs a whole number"),
        ("version_number = '\u0661'", r"version_number needs a whole number"),
        ("version_number = (1)", r"expected a quoted string in the list"),
        (
            "version_number LIKE '1%'",
            r"at position 15: version_number cannot be compared with LIKE",
        ),
        ("version_number IN ('1')", r"version_number cannot be compared with IN"),
        ("version_number > 9223372036854775808", r"out of range"),
        ("source_path IN ('s')", r"at position 12: source_path cannot be compared with IN"),
        ("source_path > 's'", r"source_path cannot be compared with >"),
        ("run_id < 'r'", r"run_id cannot be compared with <"),
        ("timestamp > 1", r"unknown key 'timestamp'"),
    ],
)
def test_invalid_version_filters(text: str, match: str) -> None:
    with pytest.raises(InvalidParameter, match=match):
        VERSIONS(text)


def test_long_filters_are_cut_in_messages() -> None:
    text = "name = '" + "x" * 10_000
    shown = r"^Invalid filter \"name = 'x{192}\.\.\.\" at position 7: unterminated string"
    with pytest.raises(InvalidParameter, match=shown) as e:
        MODELS(text)
    assert len(str(e.value)) < 400


def test_version_number_bounds_are_inclusive() -> None:
    assert VERSIONS(
        "version_number > -9223372036854775808 AND version_number < 9223372036854775807"
    )


@BOTH
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Any other condition on the prompt tag means "not a prompt", as MLflow reads it.
        (
            "tags.`mlflow.prompt.is_prompt` != 'true'",
            [Comparison("tag_absent", PROMPT_TAG, "=", "true")],
        ),
        (
            "name = 'x' AND tag.`mlflow.prompt.is_prompt` = 'false'",
            [attr("name", "=", "x"), Comparison("tag_absent", PROMPT_TAG, "=", "true")],
        ),
        ("tags.`mlflow.prompt.is_prompt` = 'TRUE'", [tag(PROMPT_TAG, "=", "TRUE")]),
        ("tags.`mlflow.prompt.is_prompt` != 'false'", [tag(PROMPT_TAG, "!=", "false")]),
    ],
)
def test_prompt_tag_conditions(parse: Parse, text: str, expected: list[Comparison]) -> None:
    assert parse(text) == expected


# --- order_by --------------------------------------------------------------------------------

ParseOrder = Callable[[Sequence[str] | None], list[OrderBy]]
MODEL_ORDER: ParseOrder = parse_registered_model_order_by
VERSION_ORDER: ParseOrder = parse_model_version_order_by
BOTH_ORDERS = pytest.mark.parametrize(
    "parse", [MODEL_ORDER, VERSION_ORDER], ids=["models", "versions"]
)


@BOTH_ORDERS
@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (None, []),
        ([], []),
        (["name"], [OrderBy("name", ascending=True)]),
        (["name ASC"], [OrderBy("name", ascending=True)]),
        (["name desc"], [OrderBy("name", ascending=False)]),
        (["  name   DeSc  "], [OrderBy("name", ascending=False)]),
        (["`name` DESC"], [OrderBy("name", ascending=False)]),
        (["attribute.name"], [OrderBy("name", ascending=True)]),
        (["creation_timestamp"], [OrderBy("creation_timestamp", ascending=True)]),
        (["last_updated_timestamp DESC"], [OrderBy("last_updated_timestamp", ascending=False)]),
        (
            ["last_updated_timestamp DESC", "name"],
            [OrderBy("last_updated_timestamp", ascending=False), OrderBy("name", ascending=True)],
        ),
        ("name DESC", [OrderBy("name", ascending=False)]),
    ],
)
def test_valid_order_by_for_both(
    parse: ParseOrder, items: Sequence[str] | None, expected: list[OrderBy]
) -> None:
    assert parse(items) == expected


def test_models_order_by_timestamp_means_last_updated() -> None:
    assert MODEL_ORDER(["timestamp DESC"]) == [OrderBy("last_updated_timestamp", ascending=False)]


def test_versions_order_by_version_number() -> None:
    assert VERSION_ORDER(["version_number DESC", "name"]) == [
        OrderBy("version_number", ascending=False),
        OrderBy("name", ascending=True),
    ]


@BOTH_ORDERS
@pytest.mark.parametrize(
    ("items", "match"),
    [
        ([""], r"^Invalid order_by '' at end of input: expected a key to order by"),
        (["   "], r"at end of input: expected a key to order by"),
        (["name SIDEWAYS"], r"^Invalid order_by 'name SIDEWAYS' at position 5: expected ASC or"),
        (["name ASC DESC"], r"at position 9: expected the end of the order_by item"),
        (["name ASC, creation_timestamp"], r"at position 8: one key per order_by item"),
        (["name, creation_timestamp"], r"at position 4: one key per order_by item"),
        (["Name"], r"at position 0: cannot order .* by 'Name'"),
        (["tags.k"], r"at position 0: cannot order by tags.<key>; only attributes"),
        (["'name'"], r"at position 0: expected a key to order by"),
        (["name", "name DESC"], r"^Invalid order_by 'name DESC': name is already ordered by"),
        (["name = 'x'"], r"at position 5: expected ASC or DESC, got '='"),
        (["name 'x"], r"at position 5: unterminated string"),
    ],
)
def test_invalid_order_by_for_both(parse: ParseOrder, items: list[str], match: str) -> None:
    with pytest.raises(InvalidParameter, match=match):
        parse(items)


@pytest.mark.parametrize(
    ("parse", "items", "match"),
    [
        (MODEL_ORDER, ["version_number"], r"cannot order registered models by 'version_number'"),
        (MODEL_ORDER, ["timestamp", "last_updated_timestamp"], r"already ordered by"),
        (VERSION_ORDER, ["timestamp"], r"cannot order model versions by 'timestamp'"),
    ],
)
def test_order_keys_differ_between_models_and_versions(
    parse: ParseOrder, items: list[str], match: str
) -> None:
    with pytest.raises(InvalidParameter, match=match):
        parse(items)


def test_default_model_sort_is_by_name() -> None:
    assert registered_model_sort([]) == [OrderBy("name", ascending=True)]
    by_time = [OrderBy("last_updated_timestamp", ascending=False)]
    assert registered_model_sort(by_time) == [*by_time, OrderBy("name", ascending=True)]
    by_name = [OrderBy("name", ascending=False)]
    assert registered_model_sort(by_name) == by_name


def test_default_version_sort_matches_mlflow() -> None:
    newest_first = [
        OrderBy("last_updated_timestamp", ascending=False),
        OrderBy("name", ascending=True),
        OrderBy("version_number", ascending=False),
    ]
    assert model_version_sort([]) == newest_first
    assert model_version_sort([OrderBy("creation_timestamp", ascending=True)]) == [
        OrderBy("creation_timestamp", ascending=True),
        OrderBy("name", ascending=True),
        OrderBy("version_number", ascending=False),
    ]
    by_version = [OrderBy("version_number", ascending=True), OrderBy("name", ascending=False)]
    assert model_version_sort(by_version) == by_version


# --- properties ------------------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
_LIKE_TEXT = _TEXT.filter(lambda s: (len(s) - len(s.rstrip("\\"))) % 2 == 0)
_WORD = st.builds(
    str.__add__,
    st.sampled_from(string.ascii_letters + "_"),
    st.text(string.ascii_letters + string.digits + "_", max_size=5),
)
# The prompt tag has its own reading (test_prompt_tag_conditions), so it cannot round-trip.
_DOTTED_KEY = (
    st.lists(_WORD, min_size=1, max_size=3).map(".".join).filter(lambda k: k != PROMPT_TAG)
)
_SPACE = st.sampled_from([" ", "  ", "\t", "\n", " \r\n "])
_MAYBE_SPACE = st.one_of(st.just(""), _SPACE)
_INT64 = st.integers(-(2**63), 2**63 - 1)


def _string_comparisons(key: str, *, lists: bool) -> st.SearchStrategy[Comparison]:
    single = st.builds(attr, st.just(key), st.sampled_from(["=", "!="]), _TEXT) | st.builds(
        attr, st.just(key), st.sampled_from(["LIKE", "ILIKE"]), _LIKE_TEXT
    )
    if not lists:
        return single
    listed = st.builds(
        attr,
        st.just(key),
        st.sampled_from(["IN", "NOT IN"]),
        st.lists(_TEXT, min_size=1, max_size=4).map(tuple),
    )
    return single | listed


_TAGS = st.builds(
    tag,
    st.one_of(_DOTTED_KEY, _TEXT.filter(lambda k: k not in ("", PROMPT_TAG))),
    st.sampled_from(["=", "!="]),
    _TEXT,
) | st.builds(tag, _DOTTED_KEY, st.sampled_from(["LIKE", "ILIKE"]), _LIKE_TEXT)
_MODEL_COMPARISONS = _string_comparisons("name", lists=True) | _TAGS
_VERSION_COMPARISONS = (
    _MODEL_COMPARISONS
    | _string_comparisons("run_id", lists=True)
    | _string_comparisons("source_path", lists=False)
    | st.builds(
        attr, st.just("version_number"), st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), _INT64
    )
)


def _random_case(draw: st.DrawFn, word: str) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c.lower() for c in word)


def _quoted(draw: st.DrawFn, text: str, quotes: str = "'\"") -> str:
    quote = draw(st.sampled_from(quotes))
    return quote + text.replace(quote, quote * 2) + quote


def _render_key(draw: st.DrawFn, c: Comparison) -> str:
    if c.kind == "attribute":
        return draw(st.sampled_from(["", "attribute."])) + c.key
    prefix = draw(st.sampled_from(["tag.", "tags."]))
    if _BARE_KEY.fullmatch(c.key) and draw(st.booleans()):
        return prefix + c.key
    return prefix + _quoted(draw, c.key, "`'\"")


def _render_value(draw: st.DrawFn, c: Comparison) -> str:
    if isinstance(c.value, int):
        # MLflow also takes a quoted version number.
        return _quoted(draw, str(c.value)) if draw(st.booleans()) else str(c.value)
    if isinstance(c.value, str):
        return _quoted(draw, c.value)
    items = [draw(_MAYBE_SPACE) + _quoted(draw, item) + draw(_MAYBE_SPACE) for item in c.value]
    trailing = "," if draw(st.booleans()) else ""
    return "(" + ",".join(items) + trailing + ")"


def _render_comparison(draw: st.DrawFn, c: Comparison) -> str:
    op = " ".join(_random_case(draw, word) for word in c.op.split())
    if op.startswith("NOT"):
        op = op.replace(" ", draw(_SPACE))
    # Words need a space before them; symbols and quotes delimit themselves.
    before_op = draw(_SPACE) if c.op[0].isalpha() else draw(_MAYBE_SPACE)
    return _render_key(draw, c) + before_op + op + draw(_MAYBE_SPACE) + _render_value(draw, c)


@st.composite
def rendered(
    draw: st.DrawFn, comparisons: st.SearchStrategy[Comparison]
) -> tuple[str, list[Comparison]]:
    wanted = draw(st.lists(comparisons, max_size=4))
    text = draw(_MAYBE_SPACE)
    for i, c in enumerate(wanted):
        if i:
            # A number runs into a following word ("1and"); quotes and parentheses do not.
            ends_in_digit = text[-1].isdigit()
            text += draw(_SPACE if ends_in_digit else _MAYBE_SPACE)
            text += _random_case(draw, "and") + draw(_SPACE)
        text += _render_comparison(draw, c)
    return text + draw(_MAYBE_SPACE), wanted


@given(rendered(_MODEL_COMPARISONS))
def test_model_filters_round_trip(case: tuple[str, list[Comparison]]) -> None:
    text, wanted = case
    assert MODELS(text) == wanted


@given(rendered(_VERSION_COMPARISONS))
def test_version_filters_round_trip(case: tuple[str, list[Comparison]]) -> None:
    text, wanted = case
    assert VERSIONS(text) == wanted


_FRAGMENTS = st.sampled_from(
    [
        "name", "run_id", "source_path", "version_number", "tags", "tag", "attribute", ".", "`",
        "'", '"', "=", "!=", "<", ">=", "==", "LIKE", "ilike", "IN", "NOT", "AND", "OR", "IS",
        "(", ")", ",", "-", "1", "1.5", "'x'", '"y"', "`k`", "\\", "%", "_", "é", ";",
        "\x00", "\udc80",
    ]
)  # fmt: skip
_GARBAGE = st.one_of(
    st.text(max_size=40),
    st.lists(_FRAGMENTS, max_size=12).map("".join),
    st.lists(_FRAGMENTS, max_size=12).map(" ".join),
)


def _only_invalid_parameter(call: Callable[[], object]) -> None:
    try:
        call()
    except InvalidParameter as e:
        message = e.message
    else:
        return
    assert message.startswith(("Invalid filter ", "Invalid order_by "))


@given(_GARBAGE)
def test_any_text_fails_only_with_invalid_parameter(text: str) -> None:
    _only_invalid_parameter(lambda: MODELS(text))
    _only_invalid_parameter(lambda: VERSIONS(text))
    _only_invalid_parameter(lambda: MODEL_ORDER([text]))
    _only_invalid_parameter(lambda: VERSION_ORDER([text]))


@given(rendered(_VERSION_COMPARISONS), st.data())
def test_cut_filters_fail_only_with_invalid_parameter(
    case: tuple[str, list[Comparison]], data: st.DataObject
) -> None:
    text, _ = case
    cut = data.draw(st.integers(0, len(text)))
    _only_invalid_parameter(lambda: VERSIONS(text[:cut]))
    _only_invalid_parameter(lambda: MODELS(text[cut:]))
