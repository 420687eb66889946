"""The search grammar of MLflow's `runs/search`, on the tokenizer and clause parser of
`modelyard.domain.filters`.

    filter     := [ comparison { AND comparison } ]
    comparison := key operator value
    key        := attribute | attributes.<attr> | metrics.<key> | params.<key> | tags.<key>
                  | datasets.<name|digest|context>
    order_by   := key [ASC | DESC]

Metric and time comparisons take numbers (metrics may have a fraction and an exponent:
`metrics.rmse < 2.5e-1`); params, tags, string attributes and datasets take quoted strings, and
IN / NOT IN lists. Prefix spellings follow MLflow (metric/metrics, param/params/parameter(s),
tag/tags, attr/attribute/attributes/run, dataset/datasets). The SQL lives in
`modelyard.store.tracking_search`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from modelyard.domain.filter_tokens import Cursor, Kind, Source
from modelyard.domain.filters import (
    EQUALITY_OPS,
    LIST_OPS,
    ORDERING_OPS,
    PATTERN_OPS,
    Clause,
    KeyPrefixes,
    parse_clauses,
    string_or_list,
)

RunKind = Literal["attribute", "metric", "param", "tag", "dataset"]

_NUMERIC_OPS = EQUALITY_OPS | ORDERING_OPS
_STRING_OPS = EQUALITY_OPS | PATTERN_OPS | LIST_OPS

RUN_PREFIXES = KeyPrefixes(
    kinds={
        **dict.fromkeys(("metric", "metrics"), "metric"),
        **dict.fromkeys(("param", "params", "parameter", "parameters"), "param"),
        **dict.fromkeys(("tag", "tags"), "tag"),
        **dict.fromkeys(("attr", "attribute", "attributes", "run"), "attribute"),
        **dict.fromkeys(("dataset", "datasets"), "dataset"),
    },
    example="metrics.<key>, params.<key>, tags.<key> or attributes.<name>",
    hint="use metrics.<key>, params.<key>, tags.<key>, attributes.<name> or datasets.<field>",
)

STRING_ATTRIBUTES = frozenset(
    {"run_id", "run_name", "status", "user_id", "artifact_uri", "lifecycle_stage"}
)
TIME_ATTRIBUTES = frozenset({"start_time", "end_time"})
DATASET_FIELDS = frozenset({"name", "digest", "context"})
ORDER_ATTRIBUTES = STRING_ATTRIBUTES | TIME_ATTRIBUTES | {"experiment_id"}

# Whole numbers compared with BIGINT columns must fit in 64 bits.
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class _Grammar:
    plural: str
    prefixes: KeyPrefixes
    string_attributes: frozenset[str]
    time_attributes: frozenset[str]


_RUNS = _Grammar("runs", RUN_PREFIXES, STRING_ATTRIBUTES, TIME_ATTRIBUTES)

EXPERIMENT_PREFIXES = KeyPrefixes(
    kinds={
        **dict.fromkeys(("tag", "tags"), "tag"),
        **dict.fromkeys(("attribute", "attributes"), "attribute"),
    },
    example="name or tags.<key>",
    hint="use tags.<key> or attributes.<name>",
)
EXPERIMENT_ORDER_ATTRIBUTES = frozenset(
    {"name", "experiment_id", "creation_time", "last_update_time"}
)
_EXPERIMENTS = _Grammar(
    "experiments",
    EXPERIMENT_PREFIXES,
    frozenset({"name"}),
    frozenset({"creation_time", "last_update_time"}),
)


LOGGED_MODEL_PREFIXES = KeyPrefixes(
    kinds={k: v for k, v in RUN_PREFIXES.kinds.items() if v != "dataset"},
    example="metrics.<key>, params.<key>, tags.<key> or attributes.<name>",
    hint="use metrics.<key>, params.<key>, tags.<key> or attributes.<name>",
)
LOGGED_MODEL_ORDER_ATTRIBUTES = frozenset(
    {"name", "model_id", "creation_timestamp", "last_updated_timestamp", "status"}
)
_LOGGED_MODELS = _Grammar(
    "logged models",
    LOGGED_MODEL_PREFIXES,
    frozenset({"name", "model_id", "model_type", "status", "source_run_id"}),
    frozenset({"creation_timestamp", "last_updated_timestamp"}),
)


@dataclass(frozen=True)
class RunComparison:
    kind: RunKind
    key: str
    op: str
    value: str | float | int | tuple[str, ...]


@dataclass(frozen=True)
class RunOrderBy:
    kind: RunKind
    key: str
    ascending: bool


def parse_run_filter(text: str | None) -> list[RunComparison]:
    """Parse a `runs/search` filter (None or blank: no condition); InvalidParameter if bad."""
    if text is None or not text.strip():
        return []
    return _parse(text, _RUNS)


def parse_experiment_filter(text: str | None) -> list[RunComparison]:
    """Parse an `experiments/search` filter: name, creation_time, last_update_time, tags."""
    if text is None or not text.strip():
        return []
    return _parse(text, _EXPERIMENTS)


def parse_logged_model_filter(text: str | None) -> list[RunComparison]:
    """Parse a `logged-models/search` filter: attributes, metrics., params. and tags."""
    if text is None or not text.strip():
        return []
    return _parse(text, _LOGGED_MODELS)


def parse_logged_model_order_by(fields: Sequence[tuple[str, bool]]) -> list[RunOrderBy]:
    """Logged-model search orders by (field name, ascending) pairs; attributes and metrics."""
    kinds: Mapping[str, RunKind] = {"metrics": "metric", "metric": "metric"}
    items = [f"{name} {'ASC' if ascending else 'DESC'}" for name, ascending in fields]
    return _parse_order_by(items, kinds, LOGGED_MODEL_ORDER_ATTRIBUTES)


def _parse(text: str, grammar: _Grammar) -> list[RunComparison]:
    cursor = Cursor(Source("filter", text, decimals=True))
    return [_resolve(c, cursor, grammar) for c in parse_clauses(cursor, grammar.prefixes)]


def _resolve(clause: Clause, cursor: Cursor, grammar: _Grammar) -> RunComparison:
    kind: RunKind = clause.kind  # type: ignore[assignment]  # the prefixes yield only RunKind
    known = grammar.string_attributes | grammar.time_attributes
    if kind == "attribute" and clause.key not in known:
        raise cursor.error(
            f"unknown attribute {clause.key!r}; {grammar.plural} can be filtered by "
            f"{', '.join(sorted(known))} and {grammar.prefixes.example}",
            clause.key_token,
        )
    if kind == "dataset" and clause.key not in DATASET_FIELDS:
        raise cursor.error(
            f"unknown dataset field {clause.key!r}; use datasets.name, datasets.digest or "
            "datasets.context",
            clause.key_token,
        )
    numeric = kind == "metric" or (clause.key in grammar.time_attributes and kind == "attribute")
    allowed = _NUMERIC_OPS if numeric else _STRING_OPS
    label = clause.key if kind == "attribute" else f"{kind} {clause.key!r}"
    if clause.op not in allowed:
        ops = ", ".join(sorted(allowed))
        raise cursor.error(
            f"{label} cannot be compared with {clause.op}; use {ops}", clause.op_token
        )
    if numeric:
        return RunComparison(kind, clause.key, clause.op, _number(clause, label, cursor))
    return RunComparison(kind, clause.key, clause.op, string_or_list(clause, label, cursor))


def _number(clause: Clause, label: str, cursor: Cursor) -> float | int:
    value = clause.value
    if value.kind != "number":
        raise cursor.error(f"{label} needs a number", value.token)
    if clause.kind == "metric":
        number = float(value.text)
        if math.isinf(number):
            raise cursor.error(f"{label} value {value.text} is out of range", value.token)
        return number
    if not value.text.removeprefix("-").isdigit():
        raise cursor.error(f"{label} needs a whole number of milliseconds", value.token)
    whole = int(value.text)
    if not _INT_MIN <= whole <= _INT_MAX:
        raise cursor.error(f"{label} value {whole} is out of range", value.token)
    return whole


# ---------------------------------------------------------------------------------------------
# order_by

_ORDER_KINDS: Mapping[str, RunKind] = {
    prefix: kind  # type: ignore[misc]  # RUN_PREFIXES yields only RunKind
    for prefix, kind in RUN_PREFIXES.kinds.items()
    if kind != "dataset"
}


def parse_run_order_by(items: Sequence[str] | None) -> list[RunOrderBy]:
    """Parse `order_by` items such as "metrics.f1 DESC" or "start_time", in the given order."""
    return _parse_order_by(items, _ORDER_KINDS, ORDER_ATTRIBUTES)


def parse_experiment_order_by(items: Sequence[str] | None) -> list[RunOrderBy]:
    """Parse `order_by` items such as "name" or "creation_time DESC" (attributes only)."""
    kinds: Mapping[str, RunKind] = {"attribute": "attribute", "attributes": "attribute"}
    return _parse_order_by(items, kinds, EXPERIMENT_ORDER_ATTRIBUTES)


def _parse_order_by(
    items: Sequence[str] | None, kinds: Mapping[str, RunKind], attributes: frozenset[str]
) -> list[RunOrderBy]:
    if isinstance(items, str):
        items = [items]
    result: list[RunOrderBy] = []
    for item in items or ():
        order = _parse_order_item(item, kinds, attributes)
        if any((seen.kind, seen.key) == (order.kind, order.key) for seen in result):
            raise Source("order_by", item).error(
                f"{order.key} is already ordered by an earlier order_by item"
            )
        result.append(order)
    return result


def _parse_order_item(
    item: str, kinds: Mapping[str, RunKind], attributes: frozenset[str]
) -> RunOrderBy:
    cursor = Cursor(Source("order_by", item))
    first = cursor.take()
    if first.kind not in (Kind.WORD, Kind.NAME):
        raise cursor.unexpected("a key to order by", first)
    kind: RunKind = "attribute"
    key = first.value
    if first.kind is Kind.WORD and (part := cursor.take_dotted_tail(first)) is not None:
        prefix = kinds.get(first.value)
        if prefix is None:
            allowed = ", ".join(sorted({f"{k}." for k in kinds}))
            raise cursor.error(f"cannot order by {first.value}.<key>; use {allowed}", first)
        parts = [part]
        while (more := cursor.take_dotted_tail(parts[-1])) is not None:
            parts.append(more)
        kind, key = prefix, ".".join(p.value for p in parts)
    if kind == "attribute" and key not in attributes:
        keys = ", ".join(sorted(attributes))
        raise cursor.error(f"cannot order by {key!r}; use one of {keys}", first)
    direction = cursor.take()
    ascending = not direction.is_word("DESC")
    token = cursor.take() if direction.is_word("ASC", "DESC") else direction
    if token.kind is Kind.COMMA:
        raise cursor.error("one key per order_by item; pass several items instead", token)
    if token.kind is not Kind.END:
        expected = "the end of the order_by item" if token is not direction else "ASC or DESC"
        raise cursor.unexpected(expected, token)
    return RunOrderBy(kind, key, ascending)


def experiment_sort(order_bys: Sequence[RunOrderBy]) -> list[RunOrderBy]:
    """MLflow's complete sort: the request, else newest first; then experiment id ascending."""
    requested = list(order_bys) or [RunOrderBy("attribute", "creation_time", ascending=False)]
    if not any(o.key == "experiment_id" for o in requested):
        requested.append(RunOrderBy("attribute", "experiment_id", ascending=True))
    return requested


def run_sort(order_bys: Sequence[RunOrderBy]) -> list[RunOrderBy]:
    """MLflow's complete sort: the request, else newest start first; then run id ascending."""
    requested = list(order_bys) or [RunOrderBy("attribute", "start_time", ascending=False)]
    if not any(o.kind == "attribute" and o.key == "run_id" for o in requested):
        requested.append(RunOrderBy("attribute", "run_id", ascending=True))
    return requested
