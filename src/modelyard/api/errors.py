"""The only place exceptions become HTTP responses, in MLflow's error shape."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from modelyard.errors import ModelyardError

log = logging.getLogger("modelyard.api")


def error_response(status: int, error_code: str, message: str) -> JSONResponse:
    return JSONResponse({"error_code": error_code, "message": message}, status_code=status)


async def _modelyard_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ModelyardError)
    if exc.http_status >= 500:
        log.error("%s: %s", exc.error_code, exc.message)
    response = error_response(exc.http_status, exc.error_code, exc.message)
    if exc.http_status == 401:  # says how to sign in, as HTTP asks of a 401
        response.headers["WWW-Authenticate"] = 'Basic realm="modelyard", charset="UTF-8"'
    return response


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
    )
    return error_response(400, "INVALID_PARAMETER_VALUE", f"Invalid request: {problems}")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (404, 405):
        return error_response(
            404,
            "ENDPOINT_NOT_FOUND",
            f"No endpoint {request.method} {request.url.path} on this server.",
        )
    code = "BAD_REQUEST" if exc.status_code < 500 else "INTERNAL_ERROR"
    return error_response(exc.status_code, code, str(exc.detail))


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return error_response(500, "INTERNAL_ERROR", "An internal error occurred; see the server log.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ModelyardError, _modelyard_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
