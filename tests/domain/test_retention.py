"""Retention planning, without a database."""

from __future__ import annotations

import pytest

from modelyard.domain.retention import VersionState, plan_retention, validate
from modelyard.errors import InvalidParameter


def _plan(states: list[VersionState], keep: int, action: str = "archive") -> tuple[object, ...]:
    plan = plan_retention("m", states, keep=keep, action=action, dry_run=True)
    return plan.kept, [p.version for p in plan.protected], plan.changed_versions, plan.unchanged


def test_protected_versions_do_not_count_towards_keep() -> None:
    states = [
        VersionState(1, "None", "READY"),
        VersionState(2, "Production", "READY"),
        VersionState(3, "None", "READY", aliases=("champion",)),
        VersionState(4, "Archived", "READY"),
        VersionState(5, "None", "PENDING_REGISTRATION"),
        VersionState(6, "None", "READY", pending_requests=(7,)),
        VersionState(7, "None", "READY"),
    ]
    assert _plan(states, 1) == ((7,), [6, 5, 3, 2], [1], (4,))
    assert _plan(states, 1, "delete") == ((7,), [6, 5, 3, 2], [4, 1], ())
    assert _plan(states, 0)[2] == [7, 1]


def test_the_reasons_are_named() -> None:
    state = VersionState(1, "Staging", "PENDING_REGISTRATION", ("a", "b"), (3,))
    assert state.protections() == (
        "alias a",
        "alias b",
        "stage Staging",
        "pending approval request 3",
        "registration pending",
    )


@pytest.mark.parametrize(
    ("keep", "action", "message"),
    [
        (-1, "archive", "whole number"),
        (1.5, "archive", "whole number"),
        (None, "archive", "whole number"),
        (False, "archive", "whole number"),
        (1, "Archive", "Unknown retention action"),
        (1, None, "Unknown retention action"),
    ],
)
def test_validate(keep: object, action: object, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        validate(keep, action)
