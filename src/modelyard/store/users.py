"""Repository for identities: users, API tokens, groups and failed-login counters."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from modelyard.store.auth_tables import (
    api_tokens,
    group_members,
    login_failures,
    user_groups,
    users,
)

u = users.c
t = api_tokens.c
g = user_groups.c
m = group_members.c
f = login_failures.c


# --- users -------------------------------------------------------------------------------------


def find_user(conn: sa.Connection, username: str) -> sa.Row[Any] | None:
    return conn.execute(sa.select(users).where(u.username == username)).first()


def find_user_by_id(conn: sa.Connection, user_id: int) -> sa.Row[Any] | None:
    return conn.execute(sa.select(users).where(u.id == user_id)).first()


def list_users(conn: sa.Connection) -> list[sa.Row[Any]]:
    return list(conn.execute(sa.select(users).order_by(u.username)))


def count_admins(conn: sa.Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).where(u.is_admin)).scalar_one())


def insert_user(
    conn: sa.Connection, *, username: str, password_hash: str, is_admin: bool, now: int
) -> sa.Row[Any]:
    return conn.execute(
        sa.insert(users)
        .values(username=username, password_hash=password_hash, is_admin=is_admin, created_time=now)
        .returning(*users.c)
    ).one()


def update_user(conn: sa.Connection, user_id: int, **values: Any) -> None:
    conn.execute(sa.update(users).where(u.id == user_id).values(**values))


def delete_user(conn: sa.Connection, user_id: int) -> None:
    conn.execute(sa.delete(users).where(u.id == user_id))


# --- tokens ------------------------------------------------------------------------------------


def insert_token(conn: sa.Connection, **values: Any) -> sa.Row[Any]:
    return conn.execute(sa.insert(api_tokens).values(**values).returning(*api_tokens.c)).one()


def find_token_owner(conn: sa.Connection, token_hash: str) -> Any:
    """The token and its user, in one lookup by the token's hash."""
    row: Any = conn.execute(
        sa.select(
            t.id.label("token_id"),
            t.scope,
            t.expires_time,
            t.revoked_time,
            u.id.label("user_id"),
            u.username,
            u.is_admin,
        )
        .join(users, u.id == t.user_id)
        .where(t.token_hash == token_hash)
    ).first()
    return row


def find_token(conn: sa.Connection, token_id: int) -> sa.Row[Any] | None:
    return conn.execute(sa.select(api_tokens).where(t.id == token_id)).first()


def tokens_of(conn: sa.Connection, user_id: int | None) -> list[sa.Row[Any]]:
    """A user's tokens (all users' when `user_id` is None), newest first, with the owner."""
    stmt = sa.select(api_tokens, u.username).join(users, u.id == t.user_id)
    if user_id is not None:
        stmt = stmt.where(t.user_id == user_id)
    return list(conn.execute(stmt.order_by(t.id.desc())))


def revoke_token(conn: sa.Connection, token_id: int, now: int) -> None:
    conn.execute(sa.update(api_tokens).where(t.id == token_id).values(revoked_time=now))


# --- groups ------------------------------------------------------------------------------------


def find_group(conn: sa.Connection, name: str) -> sa.Row[Any] | None:
    return conn.execute(sa.select(user_groups).where(g.name == name)).first()


def insert_group(conn: sa.Connection, name: str, now: int) -> sa.Row[Any]:
    return conn.execute(
        sa.insert(user_groups).values(name=name, created_time=now).returning(*user_groups.c)
    ).one()


def delete_group(conn: sa.Connection, group_id: int) -> None:
    conn.execute(sa.delete(user_groups).where(g.id == group_id))


def add_member(conn: sa.Connection, group_id: int, user_id: int) -> bool:
    exists = conn.execute(
        sa.select(m.user_id).where(m.group_id == group_id, m.user_id == user_id)
    ).first()
    if exists is None:
        conn.execute(sa.insert(group_members).values(group_id=group_id, user_id=user_id))
    return exists is None


def remove_member(conn: sa.Connection, group_id: int, user_id: int) -> bool:
    result = conn.execute(
        sa.delete(group_members).where(m.group_id == group_id, m.user_id == user_id)
    )
    return bool(result.rowcount)


def groups_with_members(conn: sa.Connection) -> dict[str, tuple[str, ...]]:
    """Every group's name -> its members' user names (empty groups included)."""
    rows = conn.execute(
        sa.select(g.name, u.username)
        .select_from(user_groups)
        .outerjoin(group_members, m.group_id == g.id)
        .outerjoin(users, u.id == m.user_id)
        .order_by(g.name, u.username)
    )
    groups: dict[str, list[str]] = {}
    for name, username in rows:
        members = groups.setdefault(name, [])
        if username is not None:
            members.append(username)
    return {name: tuple(members) for name, members in groups.items()}


# --- failed logins -----------------------------------------------------------------------------


def login_failure(conn: sa.Connection, username: str, address: str) -> sa.Row[Any] | None:
    return conn.execute(
        sa.select(login_failures).where(f.username == username, f.address == address)
    ).first()


def count_login_failure(
    conn: sa.Connection, username: str, address: str, *, now: int, window_ms: int
) -> int:
    """Counts one more failure in the (user, address) window, opening a new window when the
    last one is over; returns the failures in the window."""
    row = login_failure(conn, username, address)
    if row is None:
        conn.execute(
            sa.insert(login_failures).values(
                username=username, address=address, failures=1, window_start=now
            )
        )
        return 1
    fresh = now - row.window_start >= window_ms
    failures = 1 if fresh else row.failures + 1
    conn.execute(
        sa.update(login_failures)
        .where(f.username == username, f.address == address)
        .values(failures=failures, window_start=now if fresh else row.window_start)
    )
    return failures


def clear_login_failures(conn: sa.Connection, username: str, address: str) -> None:
    conn.execute(sa.delete(login_failures).where(f.username == username, f.address == address))


def update_token_expiry(conn: sa.Connection, token_id: int, expires_time: int | None) -> None:
    conn.execute(sa.update(api_tokens).where(t.id == token_id).values(expires_time=expires_time))
