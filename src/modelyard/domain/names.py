"""Validation of names, tags, descriptions and other free text, with modelyard's limits.

The limits are documented in docs/limits.md; `tests/test_docs.py` keeps the two in step.
"""

from __future__ import annotations

import posixpath
import re

from modelyard.errors import InvalidParameter

MAX_MODEL_NAME_LENGTH = 256
MAX_TAG_KEY_LENGTH = 250
MAX_TAG_VALUE_LENGTH = 100_000
MAX_DESCRIPTION_LENGTH = 100_000
MAX_SOURCE_LENGTH = 8_000
MAX_RUN_ID_LENGTH = 256
MAX_RUN_LINK_LENGTH = 8_000
MAX_TAGS_PER_REQUEST = 1_000

# Tag keys may be used as file names by clients, as in MLflow: letters, digits, _ - . space /
# \Z, not $: `$` also matches before a trailing newline, which would let "key\n" through.
_TAG_KEY = re.compile(r"^[/\w.\- ]+\Z")
# C0 controls and DEL; names never contain them. Free text may hold tab and newlines.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def require(value: str | None, field: str) -> str:
    if value is None or value.strip() == "":
        raise InvalidParameter(f"Missing value for required parameter '{field}'.")
    return value


def check_length(value: str | None, field: str, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise InvalidParameter(
            f"'{field}' is {len(value)} characters long; the limit is {limit} characters."
        )


def check_text(value: str | None, field: str, limit: int) -> str | None:
    """Free text (descriptions, tag values, sources): any characters but NUL and controls."""
    if value is None:
        return None
    check_length(value, field, limit)
    if _CONTROL_IN_TEXT.search(value):
        raise InvalidParameter(f"'{field}' contains a control character.")
    return value


def validate_model_name(name: str | None, field: str = "name") -> str:
    name = require(name, field)
    check_length(name, field, MAX_MODEL_NAME_LENGTH)
    if _CONTROL.search(name):
        raise InvalidParameter(f"Invalid model name {name!r}: it contains a control character.")
    if "/" in name or ":" in name:
        raise InvalidParameter(f"Invalid model name '{name}'. Names cannot contain '/' or ':'.")
    if _resolves_elsewhere(name):
        raise InvalidParameter(
            f"Invalid model name '{name}': names are used as paths and must not resolve to "
            f"another name ({posixpath.normpath(name)!r})."
        )
    return name


def validate_tag(key: str | None, value: str | None) -> tuple[str, str]:
    if key is None or key == "":
        raise InvalidParameter("Missing value for required parameter 'key'.")
    check_length(key, "key", MAX_TAG_KEY_LENGTH)
    if not _TAG_KEY.match(key):
        raise InvalidParameter(
            f"Invalid tag key {key!r}. Names may only contain alphanumerics, underscores (_), "
            "dashes (-), periods (.), spaces ( ) and slashes (/)."
        )
    if _resolves_elsewhere(key):
        raise InvalidParameter(
            f"Invalid tag key '{key}': it must not resolve to another name "
            f"({posixpath.normpath(key)!r})."
        )
    if value is None:
        raise InvalidParameter("Missing value for required parameter 'value'.")
    check_text(value, "value", MAX_TAG_VALUE_LENGTH)
    return key, value


def validate_tag_key(key: str | None) -> str:
    return validate_tag(key, "")[0]


def validate_tags(tags: list[tuple[str, str]] | None) -> dict[str, str]:
    if not tags:
        return {}
    if len(tags) > MAX_TAGS_PER_REQUEST:
        raise InvalidParameter(
            f"A request may carry at most {MAX_TAGS_PER_REQUEST} tags; got {len(tags)}."
        )
    return dict(validate_tag(k, v) for k, v in tags)


def parse_version(version: str | int | None) -> int:
    """Version numbers travel as strings; they must be positive integers."""
    if version is None or (isinstance(version, str) and version.strip() == ""):
        raise InvalidParameter("Missing value for required parameter 'version'.")
    try:
        number = int(version)
    except (TypeError, ValueError):
        raise InvalidParameter(
            f"Parameter 'version' must be an integer, got {str(version)[:100]!r}."
        ) from None
    if number < 1 or number > 2**31 - 1:
        raise InvalidParameter(f"Parameter 'version' must be a positive integer, got {number}.")
    return number


def _resolves_elsewhere(name: str) -> bool:
    norm = posixpath.normpath(name)
    return norm != name or norm == "." or norm.startswith(("..", "/"))


def actor_name(value: str | None, *, default: str) -> str:
    """The name a request gives for who acts: short plain text, or `default` when absent."""
    if value is None or value.strip() == "":
        return default
    check_length(value, "actor", MAX_MODEL_NAME_LENGTH)
    if _CONTROL.search(value):
        raise InvalidParameter("The actor name contains a control character.")
    return value.strip()
