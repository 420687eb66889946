"""What governance services return: stored policy versions, promotion checks, approval requests."""

from __future__ import annotations

from dataclasses import dataclass, field

from modelyard.domain.policies import CheckResult, Policy, Target

# Approval request statuses.
PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
CANCELLED = "cancelled"
EXPIRED = "expired"
APPLIED = "applied"
STATUSES = (PENDING, APPROVED, REJECTED, CANCELLED, EXPIRED, APPLIED)

APPROVE = "approve"
REJECT = "reject"


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    """One stored version of a model's policy (`model` None: the server-wide default)."""

    model: str | None
    version: int
    policy: Policy
    created_time: int
    actor: str | None

    def describe(self) -> str:
        owner = f"model {self.model}" if self.model else "the server default"
        return f"policy of {owner}, version {self.version}"


@dataclass(frozen=True, slots=True)
class PromotionCheck:
    """The verdict on moving one version to a target: every check, and which policy said so."""

    model: str
    version: int
    target: Target
    policy: PolicyVersion | None
    checks: list[CheckResult]
    needs_approval: bool = False
    archive_existing: bool = False

    @property
    def allowed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]


@dataclass(frozen=True, slots=True)
class Decision:
    approver: str
    decision: str
    comment: str | None
    time: int


@dataclass(frozen=True, slots=True)
class Comment:
    author: str
    comment: str
    time: int


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    id: int
    model: str
    version: int
    target: Target
    requester: str
    comment: str | None
    status: str
    created_time: int
    expires_at: int
    decided_time: int | None
    policy_version: int | None
    decisions: list[Decision] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
