"""Who may do what: permission levels, token scopes, the caller of a request. Pure: no I/O.

Permissions use MLflow's names. They are granted per registered model and per experiment;
a resource without a grant for the caller gets the server's default permission. Admins may do
everything. An API token carries a scope that caps what its user may do through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from modelyard.errors import InvalidParameter


class Level(IntEnum):
    """What a request needs on a resource, weakest first."""

    NONE = 0
    READ = 1
    EDIT = 2
    MANAGE = 3


# MLflow's permission names -> the strongest level each allows.
PERMISSIONS: dict[str, Level] = {
    "NO_PERMISSIONS": Level.NONE,
    "READ": Level.READ,
    "EDIT": Level.EDIT,
    "MANAGE": Level.MANAGE,
}
READABLE = tuple(name for name, level in PERMISSIONS.items() if level >= Level.READ)

# Token scopes -> the strongest level a request through such a token may use. Only an
# `admin` token (of an admin) reaches the admin endpoints (users, groups, the default policy).
SCOPES: dict[str, Level] = {"read": Level.READ, "write": Level.MANAGE, "admin": Level.MANAGE}


def check_permission(name: str) -> str:
    if name not in PERMISSIONS:
        raise InvalidParameter(
            f"Invalid permission '{name}'. Valid permissions are: {', '.join(PERMISSIONS)}."
        )
    return name


def check_scope(name: str) -> str:
    if name not in SCOPES:
        raise InvalidParameter(f"Invalid token scope '{name}'. Valid scopes: {', '.join(SCOPES)}.")
    return name


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a request, once authenticated. `scope` is None for a password login."""

    username: str
    user_id: int | None
    is_admin: bool = False
    scope: str | None = None

    @property
    def cap(self) -> Level:
        return SCOPES[self.scope] if self.scope else Level.MANAGE

    @property
    def acts_as_admin(self) -> bool:
        """Admin rights need an admin user and, through a token, an `admin` token."""
        return self.is_admin and self.scope in (None, "admin")

    def may(self, needed: Level, granted: str | None, default: str) -> bool:
        """Whether this caller may do what needs `needed` on a resource where their grant is
        `granted` (None: no grant, the server's `default` applies)."""
        if needed > self.cap:
            return False
        if self.acts_as_admin:
            return True
        return PERMISSIONS[granted or default] >= needed


def describe_refusal(principal: Principal, needed: Level, what: str) -> str:
    if needed > principal.cap:
        return (
            f"This token's scope '{principal.scope}' does not allow changes: {what} needs "
            f"{needed.name}."
        )
    return f"User '{principal.username}' lacks {needed.name} permission on {what}."
