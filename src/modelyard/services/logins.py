"""Authentication: who a request's credentials belong to, with failed logins rate-limited.

A password (HTTP basic) is checked against its argon2id hash, which takes ~0.1 s on purpose;
the mlflow client sends it with every request, so a verified password is remembered in this
process, keyed by a salted sha256 and tied to the stored hash: changing the password (in any
server process) changes the stored hash and ends the memory's use. A token is looked up by its
sha256; revoking it or letting it expire takes effect on the next request.

Failed logins are counted per (user name, client address) in the database, so every server
process sees them: after `max_failures` in a window, that user from that address is refused
without a password check until the window ends.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from threading import Lock
from typing import NoReturn

import sqlalchemy as sa

from modelyard.domain import credentials
from modelyard.domain.access import Principal
from modelyard.errors import Unauthenticated
from modelyard.services.common import now_ms
from modelyard.store import users
from modelyard.store.uow import UnitOfWork

# Counted under this name: failed token logins, which name no user.
TOKEN_LOGIN = "*token*"
_BAD = "Invalid username or password."
_BAD_TOKEN = "Invalid, expired or revoked token."


@dataclass(frozen=True, slots=True)
class LoginLimits:
    max_failures: int = 5
    window_seconds: int = 300


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a request presented: a user name and password, or a token (username None)."""

    username: str | None
    secret: str
    address: str


class _VerifiedPasswords:
    """(user id, salted digest of the password) -> the stored hash it was verified against."""

    def __init__(self, size: int = 10_000) -> None:
        self._salt = secrets.token_bytes(16)
        self._seen: OrderedDict[tuple[int, bytes], str] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def _key(self, user_id: int, password: str) -> tuple[int, bytes]:
        return user_id, hashlib.sha256(self._salt + password.encode()).digest()

    def known(self, user_id: int, password: str, stored_hash: str) -> bool:
        with self._lock:
            return self._seen.get(self._key(user_id, password)) == stored_hash

    def remember(self, user_id: int, password: str, stored_hash: str) -> None:
        with self._lock:
            self._seen[self._key(user_id, password)] = stored_hash
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)


_verified = _VerifiedPasswords()


@cache
def _dummy_hash() -> str:
    """Checked when the user does not exist, so a wrong name takes as long as a wrong password."""
    return credentials.hash_password(secrets.token_urlsafe(16))


def authenticate(uow: UnitOfWork, presented: Credentials, limits: LoginLimits) -> Principal:
    if presented.username is None or credentials.looks_like_token(presented.secret):
        return _by_token(uow, presented, limits)
    return _by_password(uow, presented, limits)


def _by_password(uow: UnitOfWork, presented: Credentials, limits: LoginLimits) -> Principal:
    username = presented.username or ""
    with uow.read() as conn:
        failed_before = _check_not_locked(conn, username, presented.address, limits)
        row = users.find_user(conn, username)
    if row is not None and _verified.known(row.id, presented.secret, row.password_hash):
        return Principal(row.username, row.id, bool(row.is_admin))
    if row is None:
        credentials.password_matches(_dummy_hash(), presented.secret)
        _fail(uow, username, presented.address, limits, _BAD)
    if not credentials.password_matches(row.password_hash, presented.secret):
        _fail(uow, username, presented.address, limits, _BAD)
    _verified.remember(row.id, presented.secret, row.password_hash)
    if failed_before:
        with uow.write() as conn:
            users.clear_login_failures(conn, username, presented.address)
    return Principal(row.username, row.id, bool(row.is_admin))


def _by_token(uow: UnitOfWork, presented: Credentials, limits: LoginLimits) -> Principal:
    with uow.read() as conn:
        _check_not_locked(conn, TOKEN_LOGIN, presented.address, limits)
        row = users.find_token_owner(conn, credentials.token_hash(presented.secret))
    now = now_ms()
    usable = (
        row is not None
        and row.revoked_time is None
        and (row.expires_time is None or row.expires_time > now)
        # A token sent as a basic-auth password must be the named user's.
        and presented.username in (None, row.username)
    )
    if not usable or row is None:
        _fail(uow, TOKEN_LOGIN, presented.address, limits, _BAD_TOKEN)
    return Principal(row.username, row.user_id, bool(row.is_admin), scope=row.scope)


def _check_not_locked(
    conn: sa.Connection, username: str, address: str, limits: LoginLimits
) -> bool:
    """Refuses a locked-out (user, address); returns whether it has failures on record."""
    row = users.login_failure(conn, username, address)
    if row is None:
        return False
    if row.failures < limits.max_failures:
        return True
    left_ms = row.window_start + limits.window_seconds * 1000 - now_ms()
    if left_ms > 0:
        raise Unauthenticated(
            f"Too many failed logins from this address; try again in {left_ms // 1000 + 1} s."
        )
    return True


def _fail(
    uow: UnitOfWork, username: str, address: str, limits: LoginLimits, message: str
) -> NoReturn:
    with uow.write() as conn:
        users.count_login_failure(
            conn, username, address, now=now_ms(), window_ms=limits.window_seconds * 1000
        )
    raise Unauthenticated(message)
