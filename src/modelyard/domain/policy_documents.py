"""Policy documents: YAML or JSON text -> a validated `Policy`, and back to a plain document.

    groups:                      # optional: group -> members (else the server's groups)
      ml-leads: [alice, bob]
    rollback: unchecked          # optional; `checked`: a rollback must pass the rule too
    rules:
      - stage: Production        # the target: `stage: <name>` or `alias: <name>`
        from_stage: Staging
        metrics: ["test_f1 >= 0.80", {key: test_loss, op: "<", value: 0.3}]
        tags: {validated: "true", owner: null}   # null: present with any value
        signature_required: true
        approvals: {count: 1, users: [carol], groups: [ml-leads]}   # or just `approvals: 1`
        archive_existing: true

Every error is an `InvalidParameter` naming the field (`rules[0].metrics[1]`) and, for text, its
line.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from modelyard.domain import aliases, stages
from modelyard.domain.policies import (
    ALIAS,
    OPERATORS,
    STAGE,
    ApprovalRequirement,
    MetricRequirement,
    Policy,
    Rule,
    Target,
)
from modelyard.errors import InvalidParameter

MAX_DOCUMENT_BYTES = 256 * 1024
MAX_RULES = 100
# Top-level `rollback:` (see Policy.rollback_checked).
ROLLBACK_CHECKED = "checked"
ROLLBACK_UNCHECKED = "unchecked"
_RULE_FIELDS = {
    "stage",
    "alias",
    "from_stage",
    "metrics",
    "tags",
    "signature_required",
    "approvals",
    "archive_existing",
}
_METRIC = re.compile(r"^\s*([^\s<>=]+)\s*(>=|<=|==|>|<)\s*(\S+)\s*\Z")
_NAME = re.compile(r"^[\w.\-@+]{1,256}\Z")


class _Problem(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def parse_text(text: str) -> Policy:
    """A policy from YAML or JSON text (JSON is YAML too)."""
    if len(text.encode()) > MAX_DOCUMENT_BYTES:
        raise InvalidParameter(f"Invalid policy: larger than {MAX_DOCUMENT_BYTES} bytes.")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        raise InvalidParameter(f"Invalid policy: not valid YAML or JSON{where}: {problem}") from e
    try:
        return _policy(data)
    except _Problem as p:
        line = _line_of(node, p.path)
        at = f" (line {line})" if line else ""
        raise InvalidParameter(f"Invalid policy: {p.path or 'document'}{at}: {p.message}") from None


def parse_document(data: Any) -> Policy:
    """A policy from an already decoded document (a JSON body, a stored row)."""
    try:
        return _policy(data)
    except _Problem as p:
        raise InvalidParameter(f"Invalid policy: {p.path or 'document'}: {p.message}") from None


def to_document(policy: Policy) -> dict[str, Any]:
    """The canonical plain form, stored as JSON and shown by the API."""
    doc: dict[str, Any] = {}
    if policy.groups:
        doc["groups"] = {g: list(m) for g, m in policy.groups.items()}
    if policy.rollback_checked:
        doc["rollback"] = ROLLBACK_CHECKED
    doc["rules"] = [_rule_document(r) for r in policy.rules]
    return doc


def dumps(policy: Policy) -> str:
    return json.dumps(to_document(policy), sort_keys=False, separators=(",", ":"))


def _rule_document(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {rule.target.kind: rule.target.value}
    if rule.from_stage is not None:
        out["from_stage"] = rule.from_stage
    if rule.metrics:
        out["metrics"] = [str(m) for m in rule.metrics]
    if rule.tags:
        out["tags"] = dict(rule.tags)
    if rule.signature_required:
        out["signature_required"] = True
    if rule.approvals is not None:
        a = rule.approvals
        out["approvals"] = {"count": a.count, "users": list(a.users), "groups": list(a.groups)}
    if rule.archive_existing:
        out["archive_existing"] = True
    return out


# --- validation --------------------------------------------------------------------------------


def _policy(data: Any) -> Policy:
    if not isinstance(data, Mapping):
        raise _Problem("", "must be a mapping with a `rules` list")
    unknown = set(data) - {"rules", "groups", "rollback"}
    if unknown:
        raise _Problem(
            str(sorted(map(str, unknown))[0]), "unknown field (expected rules, groups, rollback)"
        )
    groups = _groups(data.get("groups"))
    rollback = data.get("rollback", ROLLBACK_UNCHECKED)
    if rollback not in (ROLLBACK_CHECKED, ROLLBACK_UNCHECKED):
        raise _Problem("rollback", f"must be {ROLLBACK_CHECKED} or {ROLLBACK_UNCHECKED}")
    raw_rules = data.get("rules")
    if raw_rules is None:
        raw_rules = []
    if not isinstance(raw_rules, list):
        raise _Problem("rules", "must be a list")
    if len(raw_rules) > MAX_RULES:
        raise _Problem("rules", f"at most {MAX_RULES} rules")
    rules = [_rule(r, f"rules[{i}]") for i, r in enumerate(raw_rules)]
    seen: set[tuple[str, str]] = set()
    for i, rule in enumerate(rules):
        key = (rule.target.kind, rule.target.value.lower())
        if key in seen:
            raise _Problem(f"rules[{i}]", f"a second rule for {rule.target}")
        seen.add(key)
    return Policy(rules=tuple(rules), groups=groups, rollback_checked=rollback == ROLLBACK_CHECKED)


def _groups(raw: Any) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise _Problem("groups", "must map a group name to a list of users")
    out: dict[str, tuple[str, ...]] = {}
    for name, members in raw.items():
        out[_name(name, "groups")] = tuple(_names(members, f"groups.{name}"))
    return out


def _rule(raw: Any, path: str) -> Rule:
    if not isinstance(raw, Mapping):
        raise _Problem(path, "a rule must be a mapping")
    unknown = sorted(str(k) for k in set(raw) - _RULE_FIELDS)
    if unknown:
        raise _Problem(f"{path}.{unknown[0]}", f"unknown field (expected {sorted(_RULE_FIELDS)})")
    target = _target(raw, path)
    from_stage = raw.get("from_stage")
    if from_stage is not None:
        from_stage = _stage(from_stage, f"{path}.from_stage")
    archive = _bool(raw.get("archive_existing", False), f"{path}.archive_existing")
    if archive and (target.kind != STAGE or target.value not in stages.ACTIVE_STAGES):
        raise _Problem(
            f"{path}.archive_existing", "only a rule for Staging or Production can archive"
        )
    return Rule(
        target=target,
        from_stage=from_stage,
        metrics=tuple(_metrics(raw.get("metrics"), f"{path}.metrics")),
        tags=tuple(_tags(raw.get("tags"), f"{path}.tags")),
        signature_required=_bool(
            raw.get("signature_required", False), f"{path}.signature_required"
        ),
        approvals=_approvals(raw.get("approvals"), f"{path}.approvals"),
        archive_existing=archive,
    )


def _target(raw: Mapping[str, Any], path: str) -> Target:
    has_stage, has_alias = "stage" in raw, "alias" in raw
    if has_stage == has_alias:
        raise _Problem(path, "a rule needs exactly one target: `stage: <name>` or `alias: <name>`")
    if has_stage:
        return Target(STAGE, _stage(raw["stage"], f"{path}.stage"))
    value = raw["alias"]
    try:
        return Target(
            ALIAS, aliases.validate_settable_alias(value if isinstance(value, str) else None)
        )
    except InvalidParameter as e:
        raise _Problem(f"{path}.alias", e.message) from None


def _stage(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _Problem(path, f"must be a stage name ({', '.join(stages.ALL_STAGES)})")
    try:
        return stages.canonical_stage(value)
    except InvalidParameter as e:
        raise _Problem(path, e.message) from None


def _metrics(raw: Any, path: str) -> list[MetricRequirement]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _Problem(path, 'must be a list such as ["test_f1 >= 0.80"]')
    return [_metric(item, f"{path}[{i}]") for i, item in enumerate(raw)]


def _metric(item: Any, path: str) -> MetricRequirement:
    if isinstance(item, str):
        match = _METRIC.match(item)
        if not match:
            raise _Problem(
                path, f"{item[:100]!r} is not `<metric> <op> <number>` (op: >=, >, <=, <, ==)"
            )
        key, op, number = match.groups()
    elif isinstance(item, Mapping) and set(item) <= {"key", "op", "value"}:
        key, op, number = item.get("key"), item.get("op"), item.get("value")
    else:
        raise _Problem(path, "must be a string `<metric> <op> <number>` or {key, op, value}")
    if not isinstance(key, str) or not key or len(key) > 250:
        raise _Problem(path, "the metric key must be a non-empty string")
    if op not in OPERATORS:
        raise _Problem(path, f"operator {op!r} is not one of {', '.join(OPERATORS)}")
    try:
        value = float(number) if not isinstance(number, bool) else math.nan
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise _Problem(path, f"threshold {number!r} is not a finite number")
    return MetricRequirement(key=key, op=str(op), value=value)


def _tags(raw: Any, path: str) -> list[tuple[str, str | None]]:
    if raw is None:
        return []
    if isinstance(raw, list):
        return [(_tag_key(k, f"{path}[{i}]"), None) for i, k in enumerate(raw)]
    if not isinstance(raw, Mapping):
        raise _Problem(path, "must map a tag key to its required value (null: any value)")
    out: list[tuple[str, str | None]] = []
    for key, value in raw.items():
        key = _tag_key(key, f"{path}.{key}")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise _Problem(f"{path}.{key}", "the required value must be text or null")
        shown = value if value is None or isinstance(value, str) else _scalar(value)
        out.append((key, shown))
    return out


def _scalar(value: int | float | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _tag_key(key: Any, path: str) -> str:
    if not isinstance(key, str) or not key or len(key) > 250:
        raise _Problem(path, "a tag key must be a non-empty string of at most 250 characters")
    return key


def _approvals(raw: Any, path: str) -> ApprovalRequirement | None:
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = {"count": raw}
    if not isinstance(raw, Mapping) or not set(raw) <= {"count", "users", "groups"}:
        raise _Problem(path, "must be a count or {count, users, groups}")
    count = raw.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 20:
        raise _Problem(f"{path}.count", "must be a whole number from 0 to 20")
    users = _names(raw.get("users") or [], f"{path}.users")
    # A group not defined under `groups` is one of the server's (checked when stored).
    wanted_groups = _names(raw.get("groups") or [], f"{path}.groups")
    return ApprovalRequirement(count=count, users=tuple(users), groups=tuple(wanted_groups))


def _names(raw: Any, path: str) -> list[str]:
    if not isinstance(raw, list):
        raise _Problem(path, "must be a list of names")
    return [_name(n, f"{path}[{i}]") for i, n in enumerate(raw)]


def _name(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise _Problem(path, f"{str(value)[:100]!r} is not a user or group name")
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _Problem(path, "must be true or false")
    return value


# --- line numbers for errors -------------------------------------------------------------------

_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def _line_of(node: yaml.Node | None, path: str) -> int | None:
    """The 1-based line of the node at `path` (`rules[0].metrics[1]`), or of its nearest parent."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for index, key in _STEP.findall(path):
        child: yaml.Node | None = None
        if index and isinstance(node, yaml.SequenceNode):
            items: Sequence[yaml.Node] = node.value
            child = items[int(index)] if int(index) < len(items) else None
        elif key and isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            if child is not None and not isinstance(child, yaml.SequenceNode | yaml.MappingNode):
                return int(child.start_mark.line) + 1
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


def mlmodel_has_signature(text: str) -> bool:
    """Whether an MLmodel file declares a model signature (a non-empty `signature:` mapping)."""
    signature = mlmodel_signature(text)
    return signature is not None and any(signature.get(k) for k in ("inputs", "outputs"))


def mlmodel_signature(text: str) -> dict[str, Any] | None:
    """The `signature:` mapping of an MLmodel file, or None (absent, or not YAML)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    signature = data.get("signature") if isinstance(data, Mapping) else None
    return dict(signature) if isinstance(signature, Mapping) else None
