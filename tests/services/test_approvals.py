"""Approval requests: two actors, four eyes, groups, expiry, and a concurrent approve and reject
of one request (exactly one wins), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from modelyard.domain import governance as g
from modelyard.domain.policies import ALIAS, STAGE, Target
from modelyard.errors import Conflict, InvalidParameter, ModelyardError, PermissionDenied
from modelyard.services import approvals, policies, registry, versions
from modelyard.store.uow import UnitOfWork
from tests.factories import new_version
from tests.services.test_policies import snapshot

PROD = Target(STAGE, "Production")
CHAMPION = Target(ALIAS, "champion")
POLICY = """
groups:
  ml-leads: [carol, erin]
rules:
  - stage: Production
    tags: [validated]
    approvals: {count: 1, groups: [ml-leads]}
    archive_existing: true
  - alias: champion
    approvals: 2
"""


@pytest.fixture
def model(uow: UnitOfWork) -> str:
    registry.create_registered_model(uow, name="churn")
    policies.put_policy(uow, model="churn", document=POLICY, actor="lead")
    return "churn"


def _version(uow: UnitOfWork, model: str, *, validated: bool = True) -> int:
    tags = [("validated", "yes")] if validated else []
    return new_version(uow, name=model, source="s3://b/m", tags=tags).version


def _stage(uow: UnitOfWork, model: str, version: int) -> str:
    return versions.get_model_version(uow, name=model, version=version).current_stage


def test_request_then_approve_applies_the_change_in_one_step(uow: UnitOfWork, model: str) -> None:
    old, new = _version(uow, model), _version(uow, model)
    versions.transition_model_version_stage(uow, name=model, version=old, stage="Staging")
    req = approvals.request_approval(
        uow, name=model, version=new, target=PROD, comment="f1 is up", actor="dave"
    )
    assert (req.status, req.requester, req.policy_version, req.comment) == (
        g.PENDING,
        "dave",
        1,
        "f1 is up",
    )
    assert [r.id for r in approvals.list_requests(uow, model=model)] == [req.id]
    assert [r.id for r in approvals.list_requests(uow, approver="carol")] == [req.id]
    assert approvals.list_requests(uow, approver="dave") == []  # the requester
    assert approvals.list_requests(uow, approver="mallory") == []  # not in the group
    approvals.add_comment(uow, request_id=req.id, comment="looks good", actor="erin")

    done = approvals.approve(uow, request_id=req.id, comment="ok", actor="carol")

    assert done.status == g.APPLIED
    assert [(d.approver, d.decision) for d in done.decisions] == [("carol", g.APPROVE)]
    assert [(c.author, c.comment) for c in done.comments] == [("erin", "looks good")]
    assert _stage(uow, model, new) == "Production"
    assert approvals.list_requests(uow, model=model) == []
    assert [r.id for r in approvals.list_requests(uow, status=g.APPLIED)] == [req.id]


def test_two_approvals_are_needed_for_the_alias(uow: UnitOfWork, model: str) -> None:
    v = _version(uow, model)
    req = approvals.request_approval(uow, name=model, version=v, target=CHAMPION, actor="dave")
    first = approvals.approve(uow, request_id=req.id, actor="carol")
    assert first.status == g.PENDING
    with pytest.raises(Conflict, match="carol has already decided"):
        approvals.approve(uow, request_id=req.id, actor="carol")
    assert approvals.approve(uow, request_id=req.id, actor="frank").status == g.APPLIED
    got = versions.get_model_version(uow, name=model, version=v)
    assert got.aliases == ["champion"]


def test_four_eyes_the_requester_never_approves(uow: UnitOfWork, model: str) -> None:
    v = _version(uow, model)
    req = approvals.request_approval(uow, name=model, version=v, target=PROD, actor="carol")
    before = snapshot(uow)
    with pytest.raises(PermissionDenied, match=r"requester \(carol\) cannot approve"):
        approvals.approve(uow, request_id=req.id, actor="carol")
    with pytest.raises(PermissionDenied, match=r"mallory may not decide .* group ml-leads"):
        approvals.approve(uow, request_id=req.id, actor="mallory")
    with pytest.raises(PermissionDenied, match=r"Only the requester \(carol\) can cancel"):
        approvals.cancel(uow, request_id=req.id, actor="erin")
    assert snapshot(uow) == before
    assert approvals.cancel(uow, request_id=req.id, actor="carol").status == g.CANCELLED
    with pytest.raises(Conflict, match="already cancelled"):
        approvals.approve(uow, request_id=req.id, actor="erin")


def test_checks_run_again_when_the_last_approval_arrives(uow: UnitOfWork, model: str) -> None:
    v = _version(uow, model, validated=False)
    req = approvals.request_approval(uow, name=model, version=v, target=PROD, actor="dave")
    before = snapshot(uow)
    with pytest.raises(PermissionDenied, match="tag validated: required present, actual absent"):
        approvals.approve(uow, request_id=req.id, actor="carol")
    assert snapshot(uow) == before
    versions.set_model_version_tag(uow, name=model, version=v, key="validated", value="1")
    assert approvals.approve(uow, request_id=req.id, actor="carol").status == g.APPLIED


def test_reject_and_bad_requests(uow: UnitOfWork, model: str) -> None:
    v = _version(uow, model)
    with pytest.raises(InvalidParameter, match="No policy asks for approval"):
        approvals.request_approval(
            uow, name=model, version=v, target=Target(STAGE, "Staging"), actor="dave"
        )
    req = approvals.request_approval(uow, name=model, version=v, target=PROD, actor="dave")
    with pytest.raises(Conflict, match=f"request {req.id} for this change is already pending"):
        approvals.request_approval(uow, name=model, version=v, target=PROD, actor="dave")
    rejected = approvals.reject(uow, request_id=req.id, comment="no", actor="erin")
    assert rejected.status == g.REJECTED
    assert _stage(uow, model, v) == "None"


def test_requests_expire(uow: UnitOfWork, model: str) -> None:
    v = _version(uow, model)
    req = approvals.request_approval(
        uow, name=model, version=v, target=PROD, actor="dave", ttl_hours=1e-9
    )
    assert approvals.get_request(uow, request_id=req.id).status == g.EXPIRED
    assert approvals.list_requests(uow, model=model) == []
    assert [r.id for r in approvals.list_requests(uow, status=g.EXPIRED)] == [req.id]
    with pytest.raises(Conflict, match="has expired"):
        approvals.approve(uow, request_id=req.id, actor="carol")
    assert _stage(uow, model, v) == "None"
    # The expiry was recorded; a new request can be made.
    assert approvals.list_requests(uow, status=g.EXPIRED)[0].decided_time is not None
    approvals.request_approval(uow, name=model, version=v, target=PROD, actor="dave")


def test_a_concurrent_approve_and_reject_exactly_one_wins(uow: UnitOfWork, model: str) -> None:
    for _ in range(5):
        v = _version(uow, model)
        req = approvals.request_approval(uow, name=model, version=v, target=PROD, actor="dave")
        barrier = threading.Barrier(2)

        def decide(
            kind: str, request_id: int = req.id, barrier: threading.Barrier = barrier
        ) -> str:
            barrier.wait(timeout=10)
            try:
                if kind == "approve":
                    approvals.approve(uow, request_id=request_id, actor="carol")
                else:
                    approvals.reject(uow, request_id=request_id, actor="erin")
            except ModelyardError as e:
                return type(e).__name__
            return kind

        with ThreadPoolExecutor(2) as pool:
            outcomes = sorted(pool.map(decide, ["approve", "reject"]))
        assert outcomes in (["Conflict", "approve"], ["Conflict", "reject"])
        final = approvals.get_request(uow, request_id=req.id)
        winner = "approve" if "approve" in outcomes else "reject"
        assert final.status == (g.APPLIED if winner == "approve" else g.REJECTED)
        assert len(final.decisions) == 1
        assert _stage(uow, model, v) == ("Production" if winner == "approve" else "None")
