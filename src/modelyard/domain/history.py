"""Alias and stage history, and the rules of rollback. Pure: no I/O.

Rollback rules (docs/governance.md):

- **Alias.** An alias goes back to the version it pointed at before its newest change. A second
  rollback undoes the first (like `cd -`): history is a log, rollback is one more entry in it.
- **Stage.** The *current* holder of a stage is the version that entered it most recently and
  is still in it. The *previous* holder is the version that entered the stage before the current
  one did (a different version). Rollback moves the previous holder back into the stage (if it
  is not there) and returns the current holder to the stage it came from. Other versions in the
  stage are left alone.
- Either is refused (409) when there is nothing to go back to, or when the version to go back to
  was deleted.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass

from modelyard.errors import Conflict


@dataclass(frozen=True, slots=True)
class AliasChange:
    alias: str
    version: int | None  # afterwards; None: the alias was deleted
    from_version: int | None
    time: int
    actor: str
    action: str


@dataclass(frozen=True, slots=True)
class StageChange:
    version: int
    from_stage: str
    to_stage: str
    time: int
    actor: str
    action: str


def alias_rollback_target(
    alias: str, changes: Sequence[AliasChange], existing: Container[int]
) -> int:
    """The version `alias` goes back to. `changes` newest first."""
    if not changes or changes[0].from_version is None:
        raise Conflict(f"Alias '{alias}' has no earlier version to roll back to.")
    target = changes[0].from_version
    if target not in existing:
        raise Conflict(
            f"Cannot roll back alias '{alias}': version {target}, which it pointed at before, "
            "was deleted."
        )
    return target


@dataclass(frozen=True, slots=True)
class StageRollback:
    stage: str
    current: int  # leaves the stage ...
    current_back_to: str  # ... for the stage it came from
    previous: int  # returns to the stage
    previous_from: str  # the stage `previous` is in now


def stage_rollback_plan(
    stage: str, changes: Sequence[StageChange], stage_now: Mapping[int, str]
) -> StageRollback:
    """How to roll `stage` back. `changes` newest first; `stage_now`: version -> its stage."""
    entries = [c for c in changes if c.to_stage == stage]
    current_at = next((i for i, c in enumerate(entries) if stage_now.get(c.version) == stage), None)
    if current_at is None:
        raise Conflict(f"No version is in stage '{stage}'; there is nothing to roll back.")
    current = entries[current_at]
    previous = next((c for c in entries[current_at + 1 :] if c.version != current.version), None)
    if previous is None:
        raise Conflict(
            f"Stage '{stage}' had no other version before version {current.version}; "
            "there is nothing to roll back to."
        )
    if previous.version not in stage_now:
        raise Conflict(
            f"Cannot roll back stage '{stage}': version {previous.version}, which held it "
            "before, was deleted."
        )
    return StageRollback(
        stage=stage,
        current=current.version,
        current_back_to=current.from_stage,
        previous=previous.version,
        previous_from=stage_now[previous.version],
    )
