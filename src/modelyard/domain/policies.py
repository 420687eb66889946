"""Promotion policies: which versions may enter a stage or receive an alias, and what it takes.

A policy belongs to one registered model, or is the server-wide default (`model` None). It holds
rules; each rule guards one target (entering a stage, or receiving an alias) and lists the
requirements a version must meet. `evaluate(rule, facts)` checks them and returns one
`CheckResult` per requirement. Everything here is pure: the facts about a version (its stage,
its run's metrics, its tags, whether it has a signature, who approved) are gathered by
`services/policies.py`. Parsing and validating documents (YAML, JSON) is in
`domain/policy_documents.py`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

STAGE = "stage"
ALIAS = "alias"
TARGET_KINDS = (STAGE, ALIAS)

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}

# The name of the approvals check: leaving it out gives "everything but the approvals".
APPROVALS_CHECK = "approvals"


@dataclass(frozen=True, slots=True)
class Target:
    """Where a version is going: a stage (canonical name) or an alias."""

    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


@dataclass(frozen=True, slots=True)
class MetricRequirement:
    key: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.key} {self.op} {self.value:g}"


@dataclass(frozen=True, slots=True)
class ApprovalRequirement:
    """`count` approvals by distinct people other than the requester; when `users` or `groups`
    are given, only those users and the members of those groups count."""

    count: int
    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    def describe(self) -> str:
        who = [*self.users, *(f"group {g}" for g in self.groups)]
        by = f" by {', '.join(who)}" if who else ""
        return f"{self.count} approval(s){by}"


@dataclass(frozen=True, slots=True)
class Rule:
    target: Target
    from_stage: str | None = None
    metrics: tuple[MetricRequirement, ...] = ()
    # Tag key -> the value it must have, or None for "present, any value".
    tags: tuple[tuple[str, str | None], ...] = ()
    signature_required: bool = False
    approvals: ApprovalRequirement | None = None
    archive_existing: bool = False

    @property
    def needs_approval(self) -> bool:
        return self.approvals is not None and self.approvals.count > 0


@dataclass(frozen=True, slots=True)
class Policy:
    rules: tuple[Rule, ...]
    # Group name -> its members: defined in the policy itself; a rule may also name the
    # server's groups (users' groups), merged in by `with_server_groups`.
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # `rollback: checked`: a rollback must pass the target's rule (all but approvals and
    # from_stage). By default a rollback, which returns to a version that held the target
    # before, is not checked; the policy version is recorded either way.
    rollback_checked: bool = False

    def rule_for(self, target: Target) -> Rule | None:
        for rule in self.rules:
            if rule.target.kind != target.kind:
                continue
            same = (
                rule.target.value.lower() == target.value.lower()
                if target.kind == STAGE
                else rule.target.value == target.value
            )
            if same:
                return rule
        return None

    def named_groups(self) -> set[str]:
        return {g for rule in self.rules if rule.approvals for g in rule.approvals.groups}

    def with_server_groups(self, server: Mapping[str, tuple[str, ...]]) -> Policy:
        """The policy with the server's groups' members; its own definitions win."""
        return replace(self, groups={**server, **self.groups})

    def may_approve(self, rule: Rule, user: str) -> bool:
        """Whether `user`'s approval counts for `rule` (the requester is excluded elsewhere)."""
        wanted = rule.approvals
        if wanted is None:
            return False
        if not wanted.users and not wanted.groups:
            return True
        if user in wanted.users:
            return True
        return any(user in self.groups.get(g, ()) for g in wanted.groups)


@dataclass(frozen=True, slots=True)
class Facts:
    """What a rule is checked against, about one version."""

    current_stage: str
    metrics: Mapping[str, float] = field(default_factory=dict)
    has_run: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    # None: not looked at (no rule asked for it).
    has_signature: bool | None = None
    requester: str | None = None
    approvers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    passed: bool
    actual: str
    required: str

    def describe(self) -> str:
        return f"{self.name}: required {self.required}, actual {self.actual}"


def evaluate(
    rule: Rule, facts: Facts, *, policy: Policy | None = None, skip: frozenset[str] = frozenset()
) -> list[CheckResult]:
    """One result per requirement of `rule`, in a fixed order; names in `skip` are left out."""
    results: list[CheckResult] = []
    if rule.from_stage is not None:
        results.append(
            CheckResult(
                "from_stage",
                facts.current_stage.lower() == rule.from_stage.lower(),
                facts.current_stage,
                rule.from_stage,
            )
        )
    results.extend(_metric(m, facts) for m in rule.metrics)
    results.extend(_tag(key, value, facts) for key, value in rule.tags)
    if rule.signature_required:
        results.append(
            CheckResult(
                "signature",
                bool(facts.has_signature),
                "present" if facts.has_signature else "absent",
                "present",
            )
        )
    if rule.needs_approval:
        results.append(_approvals(rule, facts, policy or Policy(rules=(rule,))))
    return [r for r in results if r.name not in skip]


def failed(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.passed]


def _metric(req: MetricRequirement, facts: Facts) -> CheckResult:
    name = f"metric {req.key}"
    if not facts.has_run:
        return CheckResult(name, False, "no run linked to the version", str(req))
    value = facts.metrics.get(req.key)
    if value is None:
        return CheckResult(name, False, "not logged", str(req))
    passed = not math.isnan(value) and OPERATORS[req.op](value, req.value)
    return CheckResult(name, passed, f"{value:g}", f"{req.op} {req.value:g}")


def _tag(key: str, wanted: str | None, facts: Facts) -> CheckResult:
    actual = facts.tags.get(key)
    required = "present" if wanted is None else repr(wanted)
    shown = "absent" if actual is None else repr(actual)
    passed = actual is not None and (wanted is None or actual == wanted)
    return CheckResult(f"tag {key}", passed, shown, required)


def _approvals(rule: Rule, facts: Facts, policy: Policy) -> CheckResult:
    assert rule.approvals is not None
    counted = sorted(
        {a for a in facts.approvers if a != facts.requester and policy.may_approve(rule, a)}
    )
    shown = f"{len(counted)}" + (f" ({', '.join(counted)})" if counted else "")
    return CheckResult(
        APPROVALS_CHECK, len(counted) >= rule.approvals.count, shown, rule.approvals.describe()
    )
