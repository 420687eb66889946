"""Reading MLflow requests (JSON bodies, or query strings for GET) and writing JSON responses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
from fastapi import Request, Response
from pydantic import BaseModel, ValidationError

from modelyard.errors import InvalidParameter

M = TypeVar("M", bound=BaseModel)

# Registry requests are small; a larger body is refused before it is held in memory.
MAX_JSON_BODY_BYTES = 32 * 1024 * 1024

# Fields that MLflow's GET endpoints take as repeated query parameters.
_REPEATED_QUERY_FIELDS = frozenset({"order_by", "stages", "experiment_ids", "run_ids"})


def json_response(payload: dict[str, Any]) -> Response:
    return Response(orjson.dumps(payload), media_type="application/json")


def validate(model: type[M], data: Any, *, strict: bool = False) -> M:
    """`strict` for JSON, whose values carry their types: `"yes"` or `1` for a bool, `true` or
    `1.0` for a version is a client bug, refused as MLflow's proto parser refuses it. Query
    strings carry only text, so they are coerced."""
    if not isinstance(data, dict):
        raise InvalidParameter("The request body must be a JSON object.")
    try:
        return model.model_validate(data, strict=strict)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "request"
        given = repr(first.get("input"))[:100]
        raise InvalidParameter(
            f"Invalid value {given} for parameter '{field}': {first['msg']}."
        ) from None


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency: the request's JSON body as `model`."""

    async def parse(request: Request) -> M:
        return await read_json(request, model)

    return parse


async def read_json(request: Request, model: type[M]) -> M:
    """The request's JSON body as `model`. Called by a route itself, it costs less than the same
    work as a FastAPI dependency (the hot registry routes do that)."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise InvalidParameter(
            f"Content-Type must be 'application/json', got {content_type[:100]!r}."
        )
    raw = await read_limited(request)
    try:
        data = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError as e:
        raise InvalidParameter(f"The request body is not valid JSON: {e}") from None
    return validate(model, data, strict=True)


async def read_limited(request: Request) -> bytes:
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_JSON_BODY_BYTES:
            raise InvalidParameter(
                f"The request body is larger than {MAX_JSON_BODY_BYTES} bytes, the limit."
            )
        parts.append(chunk)
    return b"".join(parts)


def query_params(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency: the request's query string as `model`."""

    async def parse(request: Request) -> M:
        return read_query(request, model)

    return parse


def read_query(request: Request, model: type[M]) -> M:
    """The request's query string as `model` (see `read_json`)."""
    data: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in _REPEATED_QUERY_FIELDS:
            data.setdefault(key, []).append(value)
        else:
            data.setdefault(key, value)
    return validate(model, data)
