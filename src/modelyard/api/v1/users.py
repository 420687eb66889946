"""Who am I, users, API tokens and groups (what MLflow's auth endpoints have no words for)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from modelyard.api.deps import ContextDep, PrincipalDep, UowDep, run_service
from modelyard.errors import InvalidParameter
from modelyard.services import users

router = APIRouter(tags=["users"])


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("token", description="What the token is for, e.g. ci-promotions.")
    scope: str = Field("write", description="read, write or admin (admins only).")
    expires_in_days: float | None = Field(
        90, description="Days until the token stops working; null: never."
    )
    username: str | None = Field(
        None, description="Whose token (admins only); default: the caller's."
    )


class NewGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="Group name, as policies name it under approvals.groups.")


@router.get("/me", summary="The caller: user name, admin, token scope")
async def who_am_i(principal: PrincipalDep) -> dict[str, Any]:
    if principal is None:
        return {"username": None, "is_admin": True, "scope": None, "auth": False}
    return {
        "username": principal.username,
        "is_admin": principal.is_admin,
        "scope": principal.scope,
        "auth": True,
    }


@router.get("/users", summary="List users (admins)")
async def list_users(uow: UowDep) -> dict[str, Any]:
    found = await run_service(users.list_users, uow)
    return {"users": [u.as_dict() for u in found]}


@router.post("/tokens", summary="Create an API token; its secret is shown only in this answer")
async def create_token(
    body: NewToken, uow: UowDep, ctx: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    username = body.username or (principal.username if principal else None)
    if username is None:
        raise InvalidParameter("Name the user the token is for (`username`): no one is signed in.")
    token, secret = await run_service(
        users.create_token,
        uow,
        username=username,
        name=body.name,
        scope=body.scope,
        expires_in_days=body.expires_in_days,
        caller=principal,
        actor=ctx,
    )
    return {"token": token.as_dict(), "secret": secret}


@router.get("/tokens", summary="List tokens: the caller's, or a user's (admins), never secrets")
async def list_tokens(
    uow: UowDep, principal: PrincipalDep, username: str | None = None
) -> dict[str, Any]:
    whose = username or (principal.username if principal else None)
    found = await run_service(users.list_tokens, uow, username=whose, caller=principal)
    return {"tokens": [t.as_dict() for t in found]}


@router.delete("/tokens/{token_id}", summary="Revoke a token (its owner or an admin)")
async def revoke_token(
    token_id: int, uow: UowDep, ctx: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    await run_service(users.revoke_token, uow, token_id=token_id, caller=principal, actor=ctx)
    return {}


@router.get("/groups", summary="Groups and their members")
async def list_groups(uow: UowDep) -> dict[str, Any]:
    found = await run_service(users.list_groups, uow)
    return {"groups": [{"name": n, "members": list(m)} for n, m in found.items()]}


@router.post("/groups", summary="Create a group (admins)")
async def create_group(body: NewGroup, uow: UowDep, ctx: ContextDep) -> dict[str, Any]:
    await run_service(users.create_group, uow, name=body.name, actor=ctx)
    return {"group": {"name": body.name, "members": []}}


@router.delete("/groups/{name}", summary="Delete a group (admins)")
async def delete_group(name: str, uow: UowDep, ctx: ContextDep) -> dict[str, Any]:
    await run_service(users.delete_group, uow, name=name, actor=ctx)
    return {}


@router.put("/groups/{name}/members/{username}", summary="Add a user to a group (admins)")
async def add_group_member(
    name: str, username: str, uow: UowDep, ctx: ContextDep
) -> dict[str, Any]:
    await run_service(
        users.set_membership, uow, group=name, username=username, member=True, actor=ctx
    )
    return {}


@router.delete("/groups/{name}/members/{username}", summary="Remove a user from a group (admins)")
async def remove_group_member(
    name: str, username: str, uow: UowDep, ctx: ContextDep
) -> dict[str, Any]:
    await run_service(
        users.set_membership, uow, group=name, username=username, member=False, actor=ctx
    )
    return {}
