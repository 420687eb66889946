"""The search grammar of MLflow's registered-model and model-version search endpoints.

    filter     := [ comparison { AND comparison } ]
    comparison := key operator value
    key        := attribute | attribute.<attr> | tag.<tag key> | tags.<tag key>
    tag key    := word { .word } | `quoted name` | 'string' | "string"
    operator   := = | != | < | <= | > | >= | LIKE | ILIKE | IN | NOT IN
    value      := 'string' | "string" | integer | ( string { , string } [,] )
    order_by   := [attribute.]key [ASC | DESC]

Keywords are case-insensitive, keys are not (as in MLflow). Which keys and operators are allowed
differs between registered models and model versions; see `_MODEL_FILTER` and `_VERSION_FILTER`.
Everything here is pure: the SQL translation lives in `modelyard.store.search`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from modelyard.domain.filter_tokens import Cursor, Kind, Source, Token

EQUALITY_OPS = frozenset({"=", "!="})
PATTERN_OPS = frozenset({"LIKE", "ILIKE"})
LIST_OPS = frozenset({"IN", "NOT IN"})
ORDERING_OPS = frozenset({"<", "<=", ">", ">="})
TAG_OPS = EQUALITY_OPS | PATTERN_OPS
_STRING_OPS = EQUALITY_OPS | PATTERN_OPS
_LISTABLE_STRING_OPS = _STRING_OPS | LIST_OPS
_INTEGER_OPS = EQUALITY_OPS | ORDERING_OPS
_KEYWORDS = ("AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS")  # never a key, so "a AND AND b" fails

# Version numbers are compared in SQL; a bound outside 64 bits would overflow the driver.
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


# MLflow keeps prompts in the registry tables, marked with this tag, and its client appends
# "tag.`mlflow.prompt.is_prompt` != 'true'" to every registered-model search. Models never carry the
# tag, so, as in MLflow's server, a condition on it that does not ask for prompts means "is not a
# prompt" and matches rows without the tag (a plain tag condition would match nothing).
PROMPT_TAG = "mlflow.prompt.is_prompt"


@dataclass(frozen=True)
class Comparison:
    """`kind` "tag_absent": no tag `key` whose value compares true (`op`, `value`)."""

    kind: Literal["attribute", "tag", "tag_absent"]
    key: str
    op: str
    value: str | int | tuple[str, ...]


@dataclass(frozen=True)
class OrderBy:
    key: str
    ascending: bool


@dataclass(frozen=True)
class _Entity:
    plural: str  # for messages: "registered models"
    attributes: Mapping[str, frozenset[str]]  # filterable attribute -> allowed operators
    integer_attributes: frozenset[str]
    order_keys: Mapping[str, str]  # accepted order_by key -> canonical key


_MODEL_FILTER = _Entity(
    plural="registered models",
    attributes={"name": _LISTABLE_STRING_OPS},
    integer_attributes=frozenset(),
    # MLflow's SQL store sorts by last_updated_timestamp when asked for "timestamp"; its file
    # store also knows creation_timestamp, which we accept too.
    order_keys={
        "name": "name",
        "timestamp": "last_updated_timestamp",
        "last_updated_timestamp": "last_updated_timestamp",
        "creation_timestamp": "creation_timestamp",
    },
)

_VERSION_FILTER = _Entity(
    plural="model versions",
    attributes={
        "name": _LISTABLE_STRING_OPS,
        "run_id": _LISTABLE_STRING_OPS,
        "source_path": _STRING_OPS,
        "version_number": _INTEGER_OPS,
    },
    integer_attributes=frozenset({"version_number"}),
    order_keys={
        key: key
        for key in ("name", "version_number", "creation_timestamp", "last_updated_timestamp")
    },
)


def parse_registered_model_filter(text: str | None) -> list[Comparison]:
    """Parse a registered-model filter (None or blank: no condition); InvalidParameter if bad."""
    return _parse_filter(text, _MODEL_FILTER)


def parse_model_version_filter(text: str | None) -> list[Comparison]:
    """Parse a model-version filter (None or blank: no condition); InvalidParameter if bad."""
    return _parse_filter(text, _VERSION_FILTER)


def parse_registered_model_order_by(items: Sequence[str] | None) -> list[OrderBy]:
    """Parse `order_by` items such as "name ASC" or "timestamp DESC", in the given order."""
    return _parse_order_by(items, _MODEL_FILTER)


def parse_model_version_order_by(items: Sequence[str] | None) -> list[OrderBy]:
    """Parse `order_by` items such as "version_number DESC", in the given order."""
    return _parse_order_by(items, _VERSION_FILTER)


def registered_model_sort(order_bys: Sequence[OrderBy]) -> list[OrderBy]:
    """The complete sort MLflow applies: the requested keys, then name ascending."""
    return _with_defaults(order_bys, (OrderBy("name", ascending=True),))


def model_version_sort(order_bys: Sequence[OrderBy]) -> list[OrderBy]:
    """The complete sort MLflow applies to version search.

    With no order_by: most recently updated first. Then name ascending and version number
    descending break ties unless the caller already ordered by them.
    """
    requested = list(order_bys) or [
        OrderBy("last_updated_timestamp", ascending=False),
        OrderBy("name", ascending=True),
        OrderBy("version_number", ascending=False),
    ]
    return _with_defaults(
        requested, (OrderBy("name", ascending=True), OrderBy("version_number", ascending=False))
    )


def _with_defaults(order_bys: Sequence[OrderBy], defaults: Sequence[OrderBy]) -> list[OrderBy]:
    seen = {order.key for order in order_bys}
    return [*order_bys, *(order for order in defaults if order.key not in seen)]


# ---------------------------------------------------------------------------------------------
# filter


@dataclass(frozen=True)
class Value:
    kind: Literal["string", "number", "list"]
    text: str  # the unquoted string or the number's digits; "" for lists
    items: tuple[str, ...]
    token: Token  # the first token of the value, for error positions


@dataclass(frozen=True)
class KeyPrefixes:
    """The `prefix.key` forms of a grammar: prefix word -> clause kind, and how to say so."""

    kinds: Mapping[str, str]
    example: str  # "name or tags.<key>"
    hint: str  # what to write instead of an unknown prefix


REGISTRY_PREFIXES = KeyPrefixes(
    kinds={"tag": "tag", "tags": "tag", "attribute": "attribute"},
    example="name or tags.<key>",
    hint="use tags.<key> (or tag.<key>) or attribute.<key>",
)


@dataclass(frozen=True)
class Clause:
    kind: str  # "attribute" or "tag" for the registry; run filters have more kinds
    key: str
    key_token: Token
    op: str
    op_token: Token
    value: Value


def _parse_filter(text: str | None, entity: _Entity) -> list[Comparison]:
    if text is None or not text.strip():
        return []
    cursor = Cursor(Source("filter", text))
    return _not_prompts([_resolve(clause, entity, cursor) for clause in parse_clauses(cursor)])


def _not_prompts(comparisons: list[Comparison]) -> list[Comparison]:
    """MLflow's reading of PROMPT_TAG: unless the filter asks for prompts, exclude them."""
    prompt = [c for c in comparisons if c.kind == "tag" and c.key == PROMPT_TAG]
    if not prompt:
        return comparisons
    first = prompt[0]
    value = str(first.value).lower()
    if (first.op, value) in (("=", "true"), ("!=", "false")):
        return comparisons
    rest = [c for c in comparisons if not (c.kind == "tag" and c.key == PROMPT_TAG)]
    return [*rest, Comparison("tag_absent", PROMPT_TAG, "=", "true")]


def parse_clauses(cursor: Cursor, prefixes: KeyPrefixes | None = None) -> list[Clause]:
    """The clauses of a filter joined by AND; `prefixes` says which `prefix.key` forms exist."""
    prefixes = prefixes or REGISTRY_PREFIXES
    clauses = [_parse_clause(cursor, prefixes)]
    while True:
        token = cursor.take()
        if token.kind is Kind.END:
            return clauses
        if token.is_word("AND"):
            clauses.append(_parse_clause(cursor, prefixes))
        elif token.is_word("OR"):
            raise cursor.error("OR is not supported; conditions can only be joined with AND", token)
        else:
            raise cursor.unexpected("AND or the end of the filter", token)


def _parse_clause(cursor: Cursor, prefixes: KeyPrefixes) -> Clause:
    kind, key, key_token = _parse_key(cursor, prefixes)
    op, op_token = _parse_operator(cursor)
    return Clause(kind, key, key_token, op, op_token, _parse_value(cursor))


def _parse_key(cursor: Cursor, prefixes: KeyPrefixes) -> tuple[str, str, Token]:
    first = cursor.take()
    if first.kind is not Kind.WORD or first.is_word(*_KEYWORDS):
        raise cursor.unexpected(f"a key such as {prefixes.example}", first)
    part = cursor.take_dotted_tail(first)
    if part is None:
        return "attribute", first.value, first
    kind = prefixes.kinds.get(first.value)
    if kind is None:
        raise cursor.error(f"unknown prefix {first.value!r}; {prefixes.hint}", first)
    parts = [part]
    while (more := cursor.take_dotted_tail(parts[-1])) is not None:
        parts.append(more)
    if len(parts) > 1 and any(p.kind is not Kind.WORD for p in parts):
        raise cursor.error(
            f"a quoted key must be the whole key, e.g. {first.value}.`a.b c`", parts[0]
        )
    key = ".".join(p.value for p in parts)
    if not key:
        raise cursor.error("empty key", part)
    return kind, key, first


def _parse_operator(cursor: Cursor) -> tuple[str, Token]:
    token = cursor.take()
    if token.kind is Kind.OP:
        return token.value, token
    if token.is_word("LIKE", "ILIKE", "IN"):
        return token.value.upper(), token
    if token.is_word("NOT"):
        after = cursor.take()
        if not after.is_word("IN"):
            raise cursor.unexpected("IN after NOT", after)
        return "NOT IN", token
    raise cursor.unexpected("an operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN)", token)


def _parse_value(cursor: Cursor) -> Value:
    token = cursor.take()
    if token.kind is Kind.STRING:
        return Value("string", token.value, (), token)
    if token.kind is Kind.NUMBER:
        return Value("number", token.value, (), token)
    if token.kind is Kind.LPAREN:
        return Value("list", "", _parse_list(cursor, token), token)
    raise cursor.unexpected("a quoted string, a number or a (list)", token)


def _parse_list(cursor: Cursor, opening: Token) -> tuple[str, ...]:
    items: list[str] = []
    while True:
        token = cursor.take()
        if token.kind is Kind.RPAREN:
            if not items:
                raise cursor.error("empty list; give at least one quoted value", opening)
            return tuple(items)
        if token.kind is not Kind.STRING:
            raise cursor.unexpected("a quoted string in the list", token)
        items.append(token.value)
        separator = cursor.take()
        if separator.kind is Kind.RPAREN:
            return tuple(items)
        if separator.kind is not Kind.COMMA:
            raise cursor.unexpected("',' or ')' in the list", separator)


def _resolve(clause: Clause, entity: _Entity, cursor: Cursor) -> Comparison:
    """Check a parsed clause against what `entity` allows and build its Comparison."""
    if clause.kind == "tag":
        label, allowed = f"tag {clause.key!r}", TAG_OPS
    else:
        label = clause.key
        allowed = entity.attributes.get(clause.key, frozenset())
        if not allowed:
            keys = ", ".join(sorted(entity.attributes))
            raise cursor.error(
                f"unknown key {clause.key!r}; {entity.plural} can be filtered by {keys} "
                "and tags.<key>",
                clause.key_token,
            )
    if clause.op not in allowed:
        ops = ", ".join(sorted(allowed))
        raise cursor.error(
            f"{label} cannot be compared with {clause.op}; use {ops}", clause.op_token
        )
    if clause.key in entity.integer_attributes and clause.kind == "attribute":
        value: str | int | tuple[str, ...] = _integer(clause, cursor)
    else:
        value = string_or_list(clause, label, cursor)
    return Comparison("tag" if clause.kind == "tag" else "attribute", clause.key, clause.op, value)


def _integer(clause: Clause, cursor: Cursor) -> int:
    value = clause.value
    digits = value.text.removeprefix("-")
    # MLflow also accepts a quoted number here ("version_number = '3'").
    if value.kind == "list" or not digits or not digits.isascii() or not digits.isdigit():
        raise cursor.error(f"{clause.key} needs a whole number", value.token)
    number = int(value.text)
    if not _INT_MIN <= number <= _INT_MAX:
        raise cursor.error(f"{clause.key} value {number} is out of range", value.token)
    return number


def string_or_list(clause: Clause, label: str, cursor: Cursor) -> str | tuple[str, ...]:
    value = clause.value
    if clause.op in LIST_OPS:
        if value.kind != "list":
            raise cursor.error(f"{clause.op} needs a list such as ('a', 'b')", value.token)
        return value.items
    if value.kind != "string":
        raise cursor.error(f"{label} needs a quoted string value", value.token)
    if clause.op in PATTERN_OPS and ends_with_escape(value.text):
        # '\' escapes '%' and '_' in patterns; a trailing one is an error in PostgreSQL.
        raise cursor.error(r"pattern ends with an unpaired escape character '\'", value.token)
    return value.text


def ends_with_escape(pattern: str) -> bool:
    return (len(pattern) - len(pattern.rstrip("\\"))) % 2 == 1


# ---------------------------------------------------------------------------------------------
# order_by


def _parse_order_by(items: Sequence[str] | None, entity: _Entity) -> list[OrderBy]:
    if isinstance(items, str):
        # A lone string would otherwise be iterated character by character.
        items = [items]
    result: list[OrderBy] = []
    for item in items or ():
        order = _parse_order_item(item, entity)
        if any(seen.key == order.key for seen in result):
            raise Source("order_by", item).error(
                f"{order.key} is already ordered by an earlier order_by item"
            )
        result.append(order)
    return result


def _parse_order_item(item: str, entity: _Entity) -> OrderBy:
    cursor = Cursor(Source("order_by", item))
    first = cursor.take()
    if first.kind not in (Kind.WORD, Kind.NAME):
        raise cursor.unexpected("a key to order by", first)
    key_token = first
    if first.kind is Kind.WORD and (part := cursor.take_dotted_tail(first)) is not None:
        if first.value != "attribute":
            raise cursor.error(f"cannot order by {first.value}.<key>; only attributes", first)
        key_token = part
    canonical = entity.order_keys.get(key_token.value)
    if canonical is None:
        keys = ", ".join(sorted(entity.order_keys))
        raise cursor.error(
            f"cannot order {entity.plural} by {key_token.value!r}; use one of {keys}", key_token
        )
    direction = cursor.take()
    ascending = not direction.is_word("DESC")
    token = cursor.take() if direction.is_word("ASC", "DESC") else direction
    if token.kind is Kind.COMMA:
        raise cursor.error("one key per order_by item; pass several items instead", token)
    if token.kind is not Kind.END:
        expected = "the end of the order_by item" if token is not direction else "ASC or DESC"
        raise cursor.unexpected(expected, token)
    return OrderBy(canonical, ascending)
