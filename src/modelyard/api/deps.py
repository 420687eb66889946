"""Typed dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from modelyard.config import Settings
from modelyard.domain import names
from modelyard.domain.access import Principal
from modelyard.domain.events import Actor
from modelyard.services.access import ReadFilter, read_filter
from modelyard.services.artifacts import ArtifactStore
from modelyard.services.system import UnitOfWork

P = ParamSpec("P")
T = TypeVar("T")


def uow_of(request: Request) -> UnitOfWork:
    uow: UnitOfWork = request.app.state.uow
    return uow


def artifacts_of(request: Request) -> ArtifactStore:
    store: ArtifactStore = request.app.state.artifacts
    return store


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# The same as dependencies, `async def`: FastAPI runs a plain `def` dependency on its thread
# pool, a hop for reading one attribute. (The hot registry routes call the functions above
# themselves: cheaper than any dependency.)
async def _uow(request: Request) -> UnitOfWork:
    return uow_of(request)


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
    return artifacts_of(request)


ArtifactsDep = Annotated[ArtifactStore, Depends(_artifacts)]


async def _settings(request: Request) -> Settings:
    return settings_of(request)


SettingsDep = Annotated[Settings, Depends(_settings)]


# With access control on (`--auth`), the actor of a change is the authenticated user. Without it
# (local mode) the actor is whoever the request says it is: this header, which the modelyard CLI
# and SDK send with the local user name. Requests without it (the mlflow client) are recorded as
# "anonymous".
ACTOR_HEADER = "X-Modelyard-User"
# Where api/auth.py keeps the authenticated caller in the request's state.
PRINCIPAL = "principal"
ANONYMOUS = "anonymous"


def actor_of(request: Request) -> Actor:
    """Who acts (the authenticated user, else the header above) and the request id
    (api/request_id.py), for audit events."""
    state = request.scope.get("state", {})
    principal: Principal | None = state.get(PRINCIPAL)
    if principal is not None:
        return Actor(principal.username, state.get("request_id"), principal.user_id)
    return Actor(
        name=names.actor_name(request.headers.get(ACTOR_HEADER), default=ANONYMOUS),
        request_id=state.get("request_id"),
    )


async def _actor(request: Request) -> str:
    return actor_of(request).name


ActorDep = Annotated[str, Depends(_actor)]


def principal_of(request: Request) -> Principal | None:
    """The authenticated caller; None when access control is off (local mode)."""
    found: Principal | None = request.scope.get("state", {}).get(PRINCIPAL)
    return found


def reader_of(request: Request) -> ReadFilter | None:
    """What searches may show the caller; None (everything) in local mode and for admins."""
    return read_filter(principal_of(request), settings_of(request).default_permission)


async def _reader(request: Request) -> ReadFilter | None:
    return reader_of(request)


# For searches: pass as `readable=` so results hold only what the caller may read.
ReaderDep = Annotated[ReadFilter | None, Depends(_reader)]


async def _principal(request: Request) -> Principal | None:
    return principal_of(request)


PrincipalDep = Annotated[Principal | None, Depends(_principal)]


async def _context(request: Request) -> Actor:
    return actor_of(request)


# The actor and request id of a change, as services take them (`actor=`).
ContextDep = Annotated[Actor, Depends(_context)]
