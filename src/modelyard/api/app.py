"""The ASGI app: routers, error handlers. Built by `create_app(settings)`; nothing at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response

from modelyard import __version__
from modelyard.api.errors import install_error_handlers
from modelyard.api.mlflow import registry as mlflow_registry
from modelyard.config import Settings
from modelyard.errors import EndpointNotFound
from modelyard.services.system import open_unit_of_work

MLFLOW_PREFIXES = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")


def create_app(settings: Settings) -> FastAPI:
    uow = open_unit_of_work(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        uow.dispose()

    app = FastAPI(
        title="modelyard",
        version=__version__,
        description="An MLflow-compatible model registry with governance built in.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.uow = uow
    install_error_handlers(app)
    for prefix in MLFLOW_PREFIXES:
        app.include_router(mlflow_registry.router, prefix=prefix, tags=["mlflow"])
        app.include_router(_unknown_endpoints(), prefix=prefix, include_in_schema=False)

    @app.get("/health", tags=["system"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app


def _unknown_endpoints() -> APIRouter:
    router = APIRouter()

    @router.api_route(
        "/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
    )
    def unknown(request: Request, path: str) -> Response:
        raise EndpointNotFound(f"No endpoint {request.method} /{path} in MLflow's API here.")

    return router


def app_from_environment() -> FastAPI:
    """Entry point for server worker processes: settings come from MODELYARD_* variables."""
    return create_app(Settings())
