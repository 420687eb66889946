"""Page tokens and `max_results` limits for search endpoints.

A token is opaque to clients: urlsafe base64 of a small JSON object. Garbage is refused, never
trusted.
"""

from __future__ import annotations

import base64
import binascii
import json

from modelyard.errors import InvalidParameter

MAX_REGISTERED_MODELS_PER_PAGE = 1_000
DEFAULT_REGISTERED_MODELS_PER_PAGE = 100
MAX_MODEL_VERSIONS_PER_PAGE = 200_000
DEFAULT_MODEL_VERSIONS_PER_PAGE = 200_000


def check_max_results(max_results: int | None, *, default: int, limit: int) -> int:
    if max_results is None:
        return default
    if max_results < 1:
        raise InvalidParameter(
            f"Invalid value for max_results: {max_results}. It must be a positive integer."
        )
    if max_results > limit:
        raise InvalidParameter(
            f"Invalid value for max_results: {max_results}. It must be at most {limit}."
        )
    return max_results


def encode_offset(offset: int) -> str:
    raw = json.dumps({"offset": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode("ascii", "strict")))
    # RecursionError: a token of deeply nested JSON arrays, which json.loads cannot decode.
    except (ValueError, UnicodeError, binascii.Error, RecursionError):
        raise InvalidParameter(f"Invalid page token {token[:64]!r}.") from None
    offset = data.get("offset") if isinstance(data, dict) else None
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset < 2**31:
        raise InvalidParameter(f"Invalid page token {token[:64]!r}.")
    return offset
