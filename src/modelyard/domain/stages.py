"""Model version stages, matched case-insensitively as MLflow matches them."""

from __future__ import annotations

from modelyard.domain.registry import READY
from modelyard.errors import InvalidParameter

NONE = "None"
STAGING = "Staging"
PRODUCTION = "Production"
ARCHIVED = "Archived"

ALL_STAGES = (NONE, STAGING, PRODUCTION, ARCHIVED)
# Only versions in an active stage may archive the others on transition.
ACTIVE_STAGES = (STAGING, PRODUCTION)

_BY_LOWER = {s.lower(): s for s in ALL_STAGES}


def canonical_stage(stage: str | None) -> str:
    if stage is None or stage.strip() == "":
        raise InvalidParameter("Missing value for required parameter 'stage'.")
    found = _BY_LOWER.get(stage.strip().lower())
    if found is None:
        raise InvalidParameter(
            f"Invalid Model Version stage: {stage[:100]}. "
            f"Value must be one of {', '.join(ALL_STAGES)}."
        )
    return found


def check_archive_existing(stage: str, archive_existing_versions: bool) -> None:
    if archive_existing_versions and stage not in ACTIVE_STAGES:
        raise InvalidParameter(
            f"Model version transition cannot archive existing model versions because "
            f"'{stage}' is not an Active stage. Valid stages are {', '.join(ACTIVE_STAGES)}."
        )


def check_serves(status: str, *, version: int, what: str) -> None:
    """Only a READY version may serve: enter Staging or Production, or hold an alias.

    A version still copying its files (PENDING_REGISTRATION) or whose files could not be
    copied (FAILED_REGISTRATION) would hand its users nothing to load.
    """
    if status != READY:
        raise InvalidParameter(
            f"Model version {version} is {status}; only a READY version can {what}."
        )
