"""Passwords, API tokens and user names: how they look, how they are hashed. No I/O.

Passwords are hashed with argon2id (argon2-cffi's defaults: 64 MiB, 3 passes), which is slow
on purpose. API tokens are 256 random bits, so a fast sha256 of them is as safe to store as a
slow hash and lets a request find its token by an indexed lookup.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from modelyard.errors import InvalidParameter

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
MAX_USERNAME_LENGTH = 255
TOKEN_PREFIX = "myd_"
# What a listing shows of a token: enough to tell tokens apart, useless to an attacker.
TOKEN_SHOWN_CHARS = len(TOKEN_PREFIX) + 6

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")
_hasher = PasswordHasher()


def check_username(name: str, field: str = "username") -> str:
    if not name:
        raise InvalidParameter(f"Missing value for required parameter '{field}'.")
    if len(name) > MAX_USERNAME_LENGTH or not _USERNAME.match(name):
        raise InvalidParameter(
            f"Invalid {field}: use letters, digits and . _ @ + - (at most "
            f"{MAX_USERNAME_LENGTH} characters), starting with a letter or digit."
        )
    return name


def check_password(password: str) -> str:
    # Never echo the password itself: messages end up in logs and terminals.
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidParameter(
            f"A password needs {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters."
        )
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_password(password))


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)
