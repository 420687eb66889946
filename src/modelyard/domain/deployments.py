"""Deployment records: where a model version runs (environment, endpoint), since when, by whom.

Modelyard deploys nothing itself; a deploy job records what it did, so lineage can answer
"where is this version serving?". Records are append-only: a later record for the same
environment supersedes an earlier one when read, the history stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from modelyard.domain import names
from modelyard.errors import InvalidParameter

MAX_ENVIRONMENT_LENGTH = 255
MAX_ENDPOINT_LENGTH = 2048
MAX_NOTE_LENGTH = 10_000
MAX_DEPLOYMENTS_LISTED = 1000
# An environment is a short label: "production", "staging-eu", "canary/1".
_ENVIRONMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/ -]*$")


@dataclass(frozen=True, slots=True)
class Deployment:
    id: int
    model: str
    version: int
    environment: str
    endpoint: str | None
    deployed_at: int
    actor: str
    note: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


def validate_environment(value: str | None) -> str:
    environment = names.require(value, "environment").strip()
    names.check_length(environment, "environment", MAX_ENVIRONMENT_LENGTH)
    if not _ENVIRONMENT.match(environment):
        raise InvalidParameter(
            f"Invalid environment {environment[:100]!r}: use letters, digits and _ . : / - "
            "or spaces, starting with a letter or digit."
        )
    return environment


def validate_deployed_at(value: int | None, now: int) -> int:
    """Milliseconds since the epoch; a record may be made after the fact, not for the future."""
    if value is None:
        return now
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidParameter(
            f"'deployed_at' must be milliseconds since the epoch, got {value!r}."
        )
    if value > now + 60_000:
        raise InvalidParameter("'deployed_at' is in the future.")
    return value
