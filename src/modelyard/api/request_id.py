"""A request id for every request: the client's `X-Request-Id` (if it is short, plain text) or a
new uuid4. It is echoed in the response and recorded with every audit event the request writes.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware, which costs a task per request).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
_RAW_HEADER = HEADER.encode("latin-1")
_VALID = re.compile(rb"^[A-Za-z0-9._:\-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = _given(scope)
        request_id = raw.decode("ascii") if raw is not None else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        encoded = request_id.encode("ascii")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                headers.append((_RAW_HEADER, encoded))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)


def _given(scope: Scope) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == _RAW_HEADER:
            return value if _VALID.match(value) else None
    return None
