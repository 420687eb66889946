"""Alias names: validated as MLflow validates them; `latest` and `v<N>` are reserved."""

from __future__ import annotations

import re

from modelyard.errors import InvalidParameter

MAX_ALIAS_LENGTH = 255
LATEST = "latest"

# \Z, not $: `$` also matches before a trailing newline, which would let "champion\n" through.
_ALIAS = re.compile(r"^[\w\-]+\Z")
_VERSION_REFERENCE = re.compile(r"^[vV]\d+\Z")


def validate_alias(alias: str | None) -> str:
    if alias is None or alias == "":
        raise InvalidParameter("Registered model alias name cannot be empty.")
    if len(alias) > MAX_ALIAS_LENGTH:
        raise InvalidParameter(
            f"Registered model alias name is {len(alias)} characters long; "
            f"the limit is {MAX_ALIAS_LENGTH}."
        )
    if not _ALIAS.match(alias):
        raise InvalidParameter(
            f"Invalid alias name: {alias[:100]!r}. Names may only contain alphanumerics, "
            "underscores (_), and dashes (-)."
        )
    return alias


def validate_settable_alias(alias: str | None) -> str:
    """An alias a user may set: `latest` always means the newest version, `v3` means version 3."""
    alias = validate_alias(alias)
    if alias.lower() == LATEST:
        raise InvalidParameter("'latest' alias name (case insensitive) is reserved.")
    if _VERSION_REFERENCE.match(alias):
        raise InvalidParameter(f"Version alias name '{alias}' is reserved.")
    return alias


def is_latest(alias: str) -> bool:
    return alias.lower() == LATEST
