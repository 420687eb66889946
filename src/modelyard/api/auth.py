"""Access control on every route (when the server runs with `--auth`): a dependency that
authenticates the request and checks the route's needs (api/access_rules.py) before the route
runs. Without `--auth` it is not installed at all.

Credentials: HTTP basic (a user name and password, or a token as the password) or a bearer
token, as the mlflow client sends them from MLFLOW_TRACKING_USERNAME/PASSWORD and
MLFLOW_TRACKING_TOKEN.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from fastapi import Request

from modelyard.api.access_rules import RULES, Args, rule_key
from modelyard.api.deps import run_service, settings_of, uow_of
from modelyard.api.mlflow import wire
from modelyard.errors import PermissionDenied, Unauthenticated
from modelyard.services import access, logins

_MISSING = (
    "Authentication required: send a user name and password (HTTP basic; the mlflow client "
    "reads MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD) or an API token "
    "(Authorization: Bearer; MLFLOW_TRACKING_TOKEN or MODELYARD_TOKEN)."
)


async def guard(request: Request) -> None:
    uow = uow_of(request)
    settings = settings_of(request)
    presented = credentials_of(request)
    limits = logins.LoginLimits(settings.login_max_failures, settings.login_window_seconds)
    principal = await run_service(logins.authenticate, uow, presented, limits)
    request.state.principal = principal
    route = request.scope.get("route")
    rule = RULES.get(rule_key(route.endpoint)) if route is not None else None
    if rule is None:  # fail closed: a route nobody wrote a rule for serves nobody
        raise PermissionDenied("This endpoint has no access rule.")
    query = request.query_params if request.method == "GET" else {}
    args = Args(request.path_params, query, await _body(request))
    await run_service(
        access.authorize,
        uow,
        principal,
        rule(args),
        default=settings.default_permission,
        external_prefixes=settings.external_source_prefixes(),
    )


def credentials_of(request: Request) -> logins.Credentials:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    address = request.client.host if request.client else "unknown"
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return logins.Credentials(None, value, address)
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthenticated("Malformed basic credentials.") from None
        username, sep, password = decoded.partition(":")
        if sep and username and password:
            return logins.Credentials(username, password, address)
    raise Unauthenticated(_MISSING)


async def _body(request: Request) -> Any:
    """What the route will read its arguments from: a GET's query string (in `Args`), the JSON
    body of a POST, PATCH or DELETE. Never a PUT's: uploads stream (and a `.json` artifact
    comes as application/json); no PUT route's rule needs its body."""
    if request.method not in ("POST", "PATCH", "DELETE"):
        return None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return None
    raw = await wire.read_limited(request)  # refuses a body over the limit
    # Kept where Request.body()/stream() find it, so the route reads the same bytes again.
    request._body = raw
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None  # the route refuses it with the reason
