"""Policy documents (YAML/JSON) and rule evaluation: pure, no database."""

from __future__ import annotations

import math

import pytest

from modelyard.domain.policies import (
    ALIAS,
    STAGE,
    Facts,
    Target,
    evaluate,
    failed,
)
from modelyard.domain.policy_documents import (
    mlmodel_has_signature,
    parse_document,
    parse_text,
    to_document,
)
from modelyard.errors import InvalidParameter

FULL = """\
groups:
  ml-leads: [alice, bob]
rules:
  - stage: production
    from_stage: Staging
    metrics:
      - "test_f1 >= 0.80"
      - {key: test_loss, op: "<", value: 0.3}
    tags: {validated: "true", owner: null}
    signature_required: true
    approvals: {count: 1, users: [carol], groups: [ml-leads]}
    archive_existing: true
  - alias: champion
    approvals: 2
"""


def test_a_full_document_parses_and_round_trips() -> None:
    policy = parse_text(FULL)
    prod = policy.rule_for(Target(STAGE, "Production"))
    assert prod is not None
    assert prod.target == Target(STAGE, "Production")  # canonical stage name
    assert prod.from_stage == "Staging"
    assert [str(m) for m in prod.metrics] == ["test_f1 >= 0.8", "test_loss < 0.3"]
    assert prod.tags == (("validated", "true"), ("owner", None))
    assert prod.signature_required
    assert prod.archive_existing
    assert prod.approvals is not None
    assert prod.approvals.users == ("carol",)
    champion = policy.rule_for(Target(ALIAS, "champion"))
    assert champion is not None
    assert champion.approvals is not None
    assert champion.approvals.count == 2
    assert policy.rule_for(Target(ALIAS, "Champion")) is None  # aliases match exactly
    assert parse_document(to_document(policy)) == policy


def test_json_text_is_accepted() -> None:
    policy = parse_text('{"rules": [{"stage": "Staging", "tags": ["reviewed"]}]}')
    assert policy.rules[0].tags == (("reviewed", None),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [", r"not valid YAML or JSON at line 1"),
        ("- 1\n", r"document \(line 1\): must be a mapping"),
        ("rules:\n  - stage: Prod\n", r"rules\[0\]\.stage \(line 2\): Invalid Model Version stage"),
        ("rules:\n  - {}\n", r"rules\[0\] \(line 2\): a rule needs exactly one target"),
        (
            "rules:\n  - stage: Staging\n    metrics:\n      - test_f1 >= 0.8\n      - f1 ~ 3\n",
            r"rules\[0\]\.metrics\[1\] \(line 5\): 'f1 ~ 3' is not `<metric> <op> <number>`",
        ),
        (
            "rules:\n  - stage: Staging\n    metrics: [{key: a, op: '>=', value: x}]\n",
            r"rules\[0\]\.metrics\[0\] \(line 3\): threshold 'x' is not a finite number",
        ),
        (
            "rules:\n  - stage: Staging\n    colour: blue\n",
            r"rules\[0\]\.colour \(line 3\): unknown field",
        ),
        (
            "rules:\n  - alias: latest\n",
            r"rules\[0\]\.alias \(line 2\): 'latest' alias name .* is reserved",
        ),
        (
            "rules:\n  - alias: champion\n    archive_existing: true\n",
            r"rules\[0\]\.archive_existing \(line 3\): only a rule for Staging or Production",
        ),
        (
            "rules:\n  - stage: Staging\n  - stage: staging\n",
            r"rules\[1\] \(line 3\): a second rule for stage Staging",
        ),
        (
            "rules:\n  - stage: Staging\n    signature_required: yes please\n",
            r"rules\[0\]\.signature_required \(line 3\): must be true or false",
        ),
    ],
)
def test_bad_documents_name_the_field_and_line(text: str, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        parse_text(text)


def test_a_decoded_document_error_names_the_field() -> None:
    with pytest.raises(InvalidParameter, match=r"rules\[0\]\.approvals\.count: must be a whole"):
        parse_document({"rules": [{"stage": "Staging", "approvals": {"count": -1}}]})


RULES = parse_text(FULL)
PROD = RULES.rule_for(Target(STAGE, "Production"))
assert PROD is not None
GOOD = Facts(
    current_stage="Staging",
    metrics={"test_f1": 0.85, "test_loss": 0.2},
    has_run=True,
    tags={"validated": "true", "owner": "ml"},
    has_signature=True,
    requester="dave",
    approvers=("carol",),
)


def _by_name(facts: Facts) -> dict[str, tuple[bool, str, str]]:
    assert PROD is not None
    return {r.name: (r.passed, r.actual, r.required) for r in evaluate(PROD, facts, policy=RULES)}


def test_every_requirement_passes_when_met() -> None:
    results = _by_name(GOOD)
    assert set(results) == {
        "from_stage",
        "metric test_f1",
        "metric test_loss",
        "tag validated",
        "tag owner",
        "signature",
        "approvals",
    }
    assert all(passed for passed, _, _ in results.values())


@pytest.mark.parametrize(
    ("change", "name", "actual", "required"),
    [
        ({"current_stage": "None"}, "from_stage", "None", "Staging"),
        ({"metrics": {"test_f1": 0.7, "test_loss": 0.2}}, "metric test_f1", "0.7", ">= 0.8"),
        ({"metrics": {"test_f1": math.nan, "test_loss": 0.2}}, "metric test_f1", "nan", ">= 0.8"),
        ({"metrics": {"test_loss": 0.2}}, "metric test_f1", "not logged", "test_f1 >= 0.8"),
        ({"tags": {"owner": "x", "validated": "no"}}, "tag validated", "'no'", "'true'"),
        ({"tags": {"validated": "true"}}, "tag owner", "absent", "present"),
        ({"has_signature": False}, "signature", "absent", "present"),
        ({"approvers": ()}, "approvals", "0", "1 approval(s) by carol, group ml-leads"),
        ({"approvers": ("eve",)}, "approvals", "0", "1 approval(s) by carol, group ml-leads"),
        (
            {"approvers": ("dave",), "requester": "dave"},
            "approvals",
            "0",
            "1 approval(s) by carol, group ml-leads",
        ),
    ],
)
def test_each_requirement_fails_with_actual_and_required(
    change: dict[str, object], name: str, actual: str, required: str
) -> None:
    facts = Facts(**{**_fields(GOOD), **change})  # type: ignore[arg-type]
    results = _by_name(facts)
    assert results[name] == (False, actual, required)
    assert [n for n, (passed, _, _) in results.items() if not passed] == [name]


def _fields(facts: Facts) -> dict[str, object]:
    return {f: getattr(facts, f) for f in Facts.__slots__}  # type: ignore[attr-defined]


def test_without_a_run_every_metric_check_fails() -> None:
    facts = Facts(**{**_fields(GOOD), "has_run": False, "metrics": {}})  # type: ignore[arg-type]
    results = _by_name(facts)
    assert results["metric test_loss"] == (False, "no run linked to the version", "test_loss < 0.3")
    assert not results["metric test_f1"][0]


def test_group_members_count_as_approvers_and_skip_leaves_out_a_check() -> None:
    assert PROD is not None
    facts = Facts(**{**_fields(GOOD), "approvers": ("bob",)})  # type: ignore[arg-type]
    assert failed(evaluate(PROD, facts, policy=RULES)) == []
    names = {r.name for r in evaluate(PROD, GOOD, policy=RULES, skip=frozenset({"approvals"}))}
    assert "approvals" not in names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('flavors: {}\nsignature:\n  inputs: \'[{"type": "double"}]\'\n', True),
        ("flavors: {}\n", False),
        ("signature: {}\n", False),
        ("::: not yaml", False),
    ],
)
def test_mlmodel_signature_detection(text: str, expected: bool) -> None:
    assert mlmodel_has_signature(text) is expected
