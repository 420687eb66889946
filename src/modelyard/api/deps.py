"""Typed dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from modelyard.config import Settings
from modelyard.services.artifacts import ArtifactStore
from modelyard.services.system import UnitOfWork

P = ParamSpec("P")
T = TypeVar("T")


# `async def`: FastAPI runs a plain `def` dependency on its thread pool, a hop for reading one
# attribute.
async def _uow(request: Request) -> UnitOfWork:
    uow: UnitOfWork = request.app.state.uow
    return uow


UowDep = Annotated[UnitOfWork, Depends(_uow)]


async def run_service(
    service: Callable[Concatenate[UnitOfWork, P], T],
    uow: UnitOfWork,
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Calls a (blocking) service function from an `async def` route.

    On an embedded database (SQLite) the call runs right here, on the event loop: it takes tens
    of microseconds, less than handing it to a thread and back, and keeping it off the thread
    pool spares the GIL handoffs that made the tail latency under load. A call that waits on
    a network (PostgreSQL, MySQL) goes to the thread pool so the loop keeps serving meanwhile.
    """
    if uow.embedded:
        return service(uow, *args, **kwargs)
    return await run_in_threadpool(service, uow, *args, **kwargs)


async def _artifacts(request: Request) -> ArtifactStore:
    store: ArtifactStore = request.app.state.artifacts
    return store


ArtifactsDep = Annotated[ArtifactStore, Depends(_artifacts)]


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]
