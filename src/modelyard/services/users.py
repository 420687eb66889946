"""Users, API tokens and groups: create, change, delete, list. Each change is one transaction
with its audit event; no event ever holds a password, a token or a hash of either."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from modelyard.domain import access, credentials
from modelyard.domain.events import GROUP, USER, ActorLike, Target
from modelyard.errors import AlreadyExists, Conflict, InvalidParameter, NotFound, PermissionDenied
from modelyard.services import audit
from modelyard.services.common import now_ms
from modelyard.store import permissions, users
from modelyard.store.uow import UnitOfWork

MAX_TOKEN_DAYS = 3650
DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    is_admin: bool
    created_time: int

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "is_admin": self.is_admin}


@dataclass(frozen=True, slots=True)
class Token:
    id: int
    username: str
    name: str
    shown: str
    scope: str
    created_time: int
    expires_time: int | None
    revoked_time: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "name": self.name,
            "token_prefix": self.shown,
            "scope": self.scope,
            "created_time": self.created_time,
            "expires_time": self.expires_time,
            "revoked_time": self.revoked_time,
        }


def _user(row: Any) -> User:
    return User(row.id, row.username, bool(row.is_admin), row.created_time)


def _user_row(conn: sa.Connection, username: str) -> Any:
    row = users.find_user(conn, username)
    if row is None:
        raise NotFound(f"User with username={username} not found")
    return row


# --- users -------------------------------------------------------------------------------------


def create_user(
    uow: UnitOfWork,
    *,
    username: str,
    password: str,
    is_admin: bool = False,
    actor: ActorLike = None,
) -> User:
    credentials.check_username(username)
    password_hash = credentials.hash_password(password)
    with uow.write() as conn:
        if users.find_user(conn, username) is not None:
            raise AlreadyExists(f"User '{username}' already exists")
        row = users.insert_user(
            conn, username=username, password_hash=password_hash, is_admin=is_admin, now=now_ms()
        )
        audit.record(
            conn, actor, "user.create", Target(USER, username), after={"is_admin": is_admin}
        )
        return _user(row)


def ensure_admin(uow: UnitOfWork, *, username: str, password: str) -> bool:
    """The initial admin from the environment: created once; an existing user is left as is.
    Returns whether it was created."""
    with uow.read() as conn:
        if users.find_user(conn, username) is not None:
            return False
    try:
        create_user(uow, username=username, password=password, is_admin=True, actor="modelyard")
    except AlreadyExists:  # another server process created it meanwhile
        return False
    return True


def get_user(uow: UnitOfWork, *, username: str) -> tuple[User, dict[str, list[dict[str, Any]]]]:
    """A user and their grants."""
    with uow.read() as conn:
        row = _user_row(conn, username)
        return _user(row), permissions.grants_of_user(conn, row.id)


def list_users(uow: UnitOfWork) -> list[User]:
    with uow.read() as conn:
        return [_user(row) for row in users.list_users(conn)]


def update_password(
    uow: UnitOfWork, *, username: str, password: str, actor: ActorLike = None
) -> None:
    password_hash = credentials.hash_password(password)
    with uow.write() as conn:
        row = _user_row(conn, username)
        users.update_user(conn, row.id, password_hash=password_hash)
        audit.record(conn, actor, "user.update_password", Target(USER, username))


def set_admin(uow: UnitOfWork, *, username: str, is_admin: bool, actor: ActorLike = None) -> None:
    with uow.write() as conn:
        row = _user_row(conn, username)
        if row.is_admin and not is_admin:
            _keep_an_admin(conn, username)
        users.update_user(conn, row.id, is_admin=is_admin)
        audit.record(
            conn,
            actor,
            "user.update_admin",
            Target(USER, username),
            before={"is_admin": bool(row.is_admin)},
            after={"is_admin": is_admin},
        )


def delete_user(uow: UnitOfWork, *, username: str, actor: ActorLike = None) -> None:
    with uow.write() as conn:
        row = _user_row(conn, username)
        if row.is_admin:
            _keep_an_admin(conn, username)
        users.delete_user(conn, row.id)
        audit.record(conn, actor, "user.delete", Target(USER, username))


def _keep_an_admin(conn: sa.Connection, username: str) -> None:
    if users.count_admins(conn) <= 1:
        raise Conflict(f"'{username}' is the last admin; make another user admin first.")


# --- tokens ------------------------------------------------------------------------------------


def create_token(
    uow: UnitOfWork,
    *,
    username: str,
    name: str,
    scope: str,
    expires_in_days: float | None,
    caller: access.Principal | None = None,
    actor: ActorLike = None,
) -> tuple[Token, str]:
    """A new token and its secret, which is shown this once and stored only as a hash.

    A token never gets more than its creator has: `caller` (None: the local operator) may
    only create tokens of a scope up to their own, and `admin` ones only as an admin."""
    if name:
        credentials.check_username(name, "token name")
    access.check_scope(scope)
    if expires_in_days is not None and not 0 < expires_in_days <= MAX_TOKEN_DAYS:
        raise InvalidParameter(f"expires_in_days must be in (0, {MAX_TOKEN_DAYS}].")
    check_acts_for(caller, username)
    secret = credentials.new_token()
    now = now_ms()
    with uow.write() as conn:
        row = _user_row(conn, username)
        if scope == "admin" and not row.is_admin:
            raise InvalidParameter(f"Only an admin may hold an admin token; '{username}' is not.")
        if caller is not None and (
            access.SCOPES[scope] > caller.cap or (scope == "admin" and not caller.acts_as_admin)
        ):
            raise PermissionDenied(f"A '{caller.scope}' token cannot create a '{scope}' token.")
        token = users.insert_token(
            conn,
            user_id=row.id,
            name=name or "token",
            token_hash=credentials.token_hash(secret),
            shown=secret[: credentials.TOKEN_SHOWN_CHARS],
            scope=scope,
            created_time=now,
            expires_time=None if expires_in_days is None else now + int(expires_in_days * DAY_MS),
        )
        audit.record(
            conn,
            actor,
            "token.create",
            Target(USER, username),
            after={"token_id": token.id, "name": token.name, "scope": scope},
        )
        return _token(token, username), secret


def _token(row: Any, username: str) -> Token:
    return Token(
        row.id,
        username,
        row.name,
        row.shown,
        row.scope,
        row.created_time,
        row.expires_time,
        row.revoked_time,
    )


def list_tokens(
    uow: UnitOfWork, *, username: str | None, caller: access.Principal | None = None
) -> list[Token]:
    """One user's tokens, or everyone's (None: the local operator's view). Only admins (and
    the local operator) see other users' tokens."""
    if username is not None:
        check_acts_for(caller, username)
    with uow.read() as conn:
        user_id = None if username is None else _user_row(conn, username).id
        return [_token(row, row.username) for row in users.tokens_of(conn, user_id)]


def _may_act_for(caller: access.Principal | None, username: str) -> bool:
    return caller is None or caller.acts_as_admin or caller.username == username


def check_acts_for(caller: access.Principal | None, username: str) -> None:
    """Only admins (and the local operator) manage other users' tokens."""
    if not _may_act_for(caller, username):
        raise PermissionDenied(f"Only an admin may manage the tokens of '{username}'.")


def revoke_token(
    uow: UnitOfWork,
    *,
    token_id: int,
    caller: access.Principal | None = None,
    actor: ActorLike = None,
) -> None:
    """Revoke a token: its owner or an admin (`caller` None: the local operator)."""
    with uow.write() as conn:
        row = users.find_token(conn, token_id)
        owner = users.find_user_by_id(conn, row.user_id) if row is not None else None
        if row is None or owner is None or not _may_act_for(caller, owner.username):
            # Someone else's token is "not found" too: its id tells nothing.
            raise NotFound(f"Token {token_id} not found")
        if row.revoked_time is None:
            users.revoke_token(conn, token_id, now_ms())
        audit.record(
            conn, actor, "token.revoke", Target(USER, owner.username), after={"token_id": token_id}
        )


# --- groups ------------------------------------------------------------------------------------


def create_group(uow: UnitOfWork, *, name: str, actor: ActorLike = None) -> None:
    credentials.check_username(name, "group name")
    with uow.write() as conn:
        if users.find_group(conn, name) is not None:
            raise AlreadyExists(f"Group '{name}' already exists")
        users.insert_group(conn, name, now_ms())
        audit.record(conn, actor, "group.create", Target(GROUP, name))


def delete_group(uow: UnitOfWork, *, name: str, actor: ActorLike = None) -> None:
    with uow.write() as conn:
        users.delete_group(conn, _group_row(conn, name).id)
        audit.record(conn, actor, "group.delete", Target(GROUP, name))


def set_membership(
    uow: UnitOfWork, *, group: str, username: str, member: bool, actor: ActorLike = None
) -> None:
    with uow.write() as conn:
        group_id = _group_row(conn, group).id
        user_id = _user_row(conn, username).id
        change = users.add_member if member else users.remove_member
        if change(conn, group_id, user_id):
            action = "group.add_member" if member else "group.remove_member"
            audit.record(conn, actor, action, Target(GROUP, group), after={"username": username})


def list_groups(uow: UnitOfWork) -> dict[str, tuple[str, ...]]:
    with uow.read() as conn:
        return users.groups_with_members(conn)


def _group_row(conn: sa.Connection, name: str) -> Any:
    row = users.find_group(conn, name)
    if row is None:
        raise NotFound(f"Group '{name}' not found")
    return row
