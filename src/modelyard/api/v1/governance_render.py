"""Governance objects -> JSON for modelyard's own API (policies, checks, approval requests)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from modelyard.domain import policy_documents
from modelyard.domain.governance import ApprovalRequest, PolicyVersion, PromotionCheck
from modelyard.domain.policies import Target
from modelyard.services.policies import parse_target


class TargetBody(BaseModel):
    """Where a version goes: exactly one of `stage` and `alias`."""

    model_config = ConfigDict(extra="forbid")
    stage: str | None = Field(None, description="A stage to enter, e.g. Production.")
    alias: str | None = Field(None, description="An alias to receive, e.g. champion.")

    def target(self) -> Target:
        return parse_target(self.stage, self.alias)


def target(t: Target) -> dict[str, str]:
    return {t.kind: t.value}


def policy_version(p: PolicyVersion) -> dict[str, Any]:
    return {
        "model": p.model,
        "version": p.version,
        "created_time": p.created_time,
        "actor": p.actor,
        "policy": policy_documents.to_document(p.policy),
    }


def promotion_check(c: PromotionCheck) -> dict[str, Any]:
    return {
        "model": c.model,
        "version": c.version,
        "target": target(c.target),
        "allowed": c.allowed,
        "needs_approval": c.needs_approval,
        "archive_existing": c.archive_existing,
        "policy": None
        if c.policy is None
        else {"model": c.policy.model, "version": c.policy.version},
        "checks": [
            {"name": r.name, "passed": r.passed, "actual": r.actual, "required": r.required}
            for r in c.checks
        ],
    }


def approval_request(r: ApprovalRequest) -> dict[str, Any]:
    return {
        "id": r.id,
        "model": r.model,
        "version": r.version,
        "target": target(r.target),
        "requester": r.requester,
        "comment": r.comment,
        "status": r.status,
        "created_time": r.created_time,
        "expires_at": r.expires_at,
        "decided_time": r.decided_time,
        "policy_version": r.policy_version,
        "decisions": [
            {"approver": d.approver, "decision": d.decision, "comment": d.comment, "time": d.time}
            for d in r.decisions
        ],
        "comments": [
            {"author": c.author, "comment": c.comment, "time": c.time} for c in r.comments
        ],
    }
