"""The user and permission endpoints of MLflow's basic-auth server, with its request and
response shapes, so admin scripts written for it (and `mlflow.server.get_app_client`) keep
working: users create / get / current / update-password / update-admin / delete, and
experiment and registered-model permissions create / get / update / delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from modelyard.api.deps import ContextDep, PrincipalDep, UowDep, run_service
from modelyard.api.mlflow.wire import json_body, json_response, query_params
from modelyard.domain.events import Actor
from modelyard.errors import InvalidParameter
from modelyard.services import access, users
from modelyard.services.access import GRANT_ON_EXPERIMENT as EXPERIMENT
from modelyard.services.access import GRANT_ON_MODEL as MODEL
from modelyard.services.system import UnitOfWork

router = APIRouter()


class UserBody(BaseModel):
    username: str = ""
    # Any, checked below: a validation message must never echo a password back.
    password: Any = None
    is_admin: Any = None


class Username(BaseModel):
    username: str = ""


class ExperimentPermissionBody(BaseModel):
    experiment_id: str | int = ""
    username: str = ""
    permission: str = ""


class ModelPermissionBody(BaseModel):
    name: str = ""
    username: str = ""
    permission: str = ""


def _password(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidParameter("Missing value for required parameter 'password' (a string).")
    return value


def _user_json(user: users.User, grants: dict[str, Any]) -> dict[str, Any]:
    return {"user": {**user.as_dict(), **grants}}


def _empty() -> Response:
    return Response(b"{}", media_type="application/json")


@router.post("/users/create")
async def create_user(
    req: Annotated[UserBody, Depends(json_body(UserBody))], uow: UowDep, ctx: ContextDep
) -> Response:
    password = _password(req.password)
    user = await run_service(
        users.create_user, uow, username=req.username, password=password, actor=ctx
    )
    return json_response(_user_json(user, {}))


@router.get("/users/get")
async def get_user(
    req: Annotated[Username, Depends(query_params(Username))], uow: UowDep
) -> Response:
    user, grants = await run_service(users.get_user, uow, username=req.username)
    return json_response(_user_json(user, grants))


@router.get("/users/current")
async def get_current_user(uow: UowDep, principal: PrincipalDep) -> Response:
    if principal is None:  # local mode: nobody signed in
        return json_response({"user": {"id": None, "username": None, "is_admin": True}})
    user, grants = await run_service(users.get_user, uow, username=principal.username)
    return json_response(_user_json(user, grants))


@router.patch("/users/update-password")
async def update_user_password(
    req: Annotated[UserBody, Depends(json_body(UserBody))], uow: UowDep, ctx: ContextDep
) -> Response:
    password = _password(req.password)
    await run_service(
        users.update_password, uow, username=req.username, password=password, actor=ctx
    )
    return _empty()


@router.patch("/users/update-admin")
async def update_user_admin(
    req: Annotated[UserBody, Depends(json_body(UserBody))], uow: UowDep, ctx: ContextDep
) -> Response:
    if not isinstance(req.is_admin, bool):
        raise InvalidParameter("Missing value for required parameter 'is_admin' (true or false).")
    await run_service(users.set_admin, uow, username=req.username, is_admin=req.is_admin, actor=ctx)
    return _empty()


@router.delete("/users/delete")
async def delete_user(
    req: Annotated[Username, Depends(json_body(Username))], uow: UowDep, ctx: ContextDep
) -> Response:
    await run_service(users.delete_user, uow, username=req.username, actor=ctx)
    return _empty()


# --- permissions -------------------------------------------------------------------------------

_ExpBody = Annotated[ExperimentPermissionBody, Depends(json_body(ExperimentPermissionBody))]
_ExpQuery = Annotated[ExperimentPermissionBody, Depends(query_params(ExperimentPermissionBody))]
_ModelBody = Annotated[ModelPermissionBody, Depends(json_body(ModelPermissionBody))]
_ModelQuery = Annotated[ModelPermissionBody, Depends(query_params(ModelPermissionBody))]


async def _set(
    uow: UnitOfWork, kind: str, key: str, req: Any, *, create: bool, ctx: Actor
) -> dict[str, Any]:
    return await run_service(
        access.set_permission,
        uow,
        kind=kind,
        key=key,
        username=req.username,
        permission=req.permission,
        create=create,
        actor=ctx,
    )


@router.post("/experiments/permissions/create")
async def create_experiment_permission(req: _ExpBody, uow: UowDep, ctx: ContextDep) -> Response:
    found = await _set(uow, EXPERIMENT, str(req.experiment_id), req, create=True, ctx=ctx)
    return json_response({"experiment_permission": found})


@router.get("/experiments/permissions/get")
async def get_experiment_permission(req: _ExpQuery, uow: UowDep) -> Response:
    found = await run_service(
        access.get_permission,
        uow,
        kind=EXPERIMENT,
        key=str(req.experiment_id),
        username=req.username,
    )
    return json_response({"experiment_permission": found})


@router.patch("/experiments/permissions/update")
async def update_experiment_permission(req: _ExpBody, uow: UowDep, ctx: ContextDep) -> Response:
    await _set(uow, EXPERIMENT, str(req.experiment_id), req, create=False, ctx=ctx)
    return _empty()


@router.delete("/experiments/permissions/delete")
async def delete_experiment_permission(req: _ExpBody, uow: UowDep, ctx: ContextDep) -> Response:
    await run_service(
        access.delete_permission,
        uow,
        kind=EXPERIMENT,
        key=str(req.experiment_id),
        username=req.username,
        actor=ctx,
    )
    return _empty()


@router.post("/registered-models/permissions/create")
async def create_registered_model_permission(
    req: _ModelBody, uow: UowDep, ctx: ContextDep
) -> Response:
    found = await _set(uow, MODEL, req.name, req, create=True, ctx=ctx)
    return json_response({"registered_model_permission": found})


@router.get("/registered-models/permissions/get")
async def get_registered_model_permission(req: _ModelQuery, uow: UowDep) -> Response:
    found = await run_service(
        access.get_permission, uow, kind=MODEL, key=req.name, username=req.username
    )
    return json_response({"registered_model_permission": found})


@router.patch("/registered-models/permissions/update")
async def update_registered_model_permission(
    req: _ModelBody, uow: UowDep, ctx: ContextDep
) -> Response:
    await _set(uow, MODEL, req.name, req, create=False, ctx=ctx)
    return _empty()


@router.delete("/registered-models/permissions/delete")
async def delete_registered_model_permission(
    req: _ModelBody, uow: UowDep, ctx: ContextDep
) -> Response:
    await run_service(
        access.delete_permission, uow, kind=MODEL, key=req.name, username=req.username, actor=ctx
    )
    return _empty()
