"""Retention: which versions of a registered model to archive or delete, keeping the newest N.

Pure rules: `plan_retention` takes the model's versions with what protects them and returns
the plan; `services/retention.py` gathers the facts and applies the plan in one transaction.

The newest `keep` versions (by number) are kept. Of the older ones, a version is never touched
while it is *protected*: it holds an alias, it is in Staging or Production, a live approval
request names it, or its files are still being copied (PENDING_REGISTRATION). Protected versions
do not count towards `keep`: they are kept on top of the newest N.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from modelyard.domain import stages
from modelyard.domain.registry import PENDING_REGISTRATION
from modelyard.errors import InvalidParameter

ARCHIVE = "archive"
DELETE = "delete"
ACTIONS = (ARCHIVE, DELETE)


@dataclass(frozen=True, slots=True)
class VersionState:
    """What retention looks at about one version."""

    version: int
    stage: str
    status: str
    aliases: tuple[str, ...] = ()
    pending_requests: tuple[int, ...] = ()

    def protections(self) -> tuple[str, ...]:
        """Why the version must not be touched (empty: it may be)."""
        reasons = [f"alias {a}" for a in self.aliases]
        if self.stage in stages.ACTIVE_STAGES:
            reasons.append(f"stage {self.stage}")
        reasons += [f"pending approval request {r}" for r in self.pending_requests]
        if self.status == PENDING_REGISTRATION:
            reasons.append("registration pending")
        return tuple(reasons)


@dataclass(frozen=True, slots=True)
class ProtectedVersion:
    version: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RetentionPlan:
    """What a retention run changes (or, in a dry run, would change), newest versions first."""

    model: str
    keep: int
    action: str
    dry_run: bool
    kept: tuple[int, ...]
    protected: tuple[ProtectedVersion, ...]
    # (version, its stage before): archived or deleted by this run.
    changed: tuple[tuple[int, str], ...]
    # Already Archived, nothing to do (action archive only).
    unchanged: tuple[int, ...]

    @property
    def changed_versions(self) -> list[int]:
        return [v for v, _ in self.changed]


def validate(keep: object, action: object) -> tuple[int, str]:
    """`keep` a whole number >= 0, `action` archive or delete; InvalidParameter otherwise."""
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 0:
        raise InvalidParameter(f"'keep' must be a whole number >= 0, got {str(keep)[:50]!r}.")
    if action not in ACTIONS:
        raise InvalidParameter(
            f"Unknown retention action {str(action)[:50]!r}; one of {', '.join(ACTIONS)}."
        )
    return keep, str(action)


def plan_retention(
    model: str, versions: Iterable[VersionState], *, keep: int, action: str, dry_run: bool
) -> RetentionPlan:
    keep, action = validate(keep, action)
    newest_first = sorted(versions, key=lambda v: v.version, reverse=True)
    kept = tuple(v.version for v in newest_first[:keep])
    protected: list[ProtectedVersion] = []
    changed: list[tuple[int, str]] = []
    unchanged: list[int] = []
    for state in newest_first[keep:]:
        reasons = state.protections()
        if reasons:
            protected.append(ProtectedVersion(state.version, reasons))
        elif action == ARCHIVE and state.stage == stages.ARCHIVED:
            unchanged.append(state.version)
        else:
            changed.append((state.version, state.stage))
    return RetentionPlan(
        model=model,
        keep=keep,
        action=action,
        dry_run=dry_run,
        kept=kept,
        protected=tuple(protected),
        changed=tuple(changed),
        unchanged=tuple(unchanged),
    )
