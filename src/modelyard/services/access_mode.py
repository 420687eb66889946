"""How a server guards its door, decided at start: local mode (no login, loopback only) or
access control (`--auth`), and the first admin from the environment."""

from __future__ import annotations

from modelyard.config import Settings
from modelyard.errors import InvalidParameter
from modelyard.services import users
from modelyard.services.system import open_unit_of_work

LOCAL_MODE = (
    "LOCAL MODE: no login. Anyone who can reach this address acts as any user they name. "
    "Start with --auth to require users and tokens."
)
INSECURE = (
    "WARNING: listening on {host} WITHOUT AUTHENTICATION (--insecure-no-auth): anyone on "
    "the network can change or delete every model."
)


def check_mode(settings: Settings) -> str:
    """The line to show at start; refuses an open server on a non-loopback address."""
    if settings.auth:
        return (
            "access control on: every request authenticates "
            f"(default permission {settings.default_permission})"
        )
    if settings.is_loopback():
        return LOCAL_MODE
    if not settings.insecure_no_auth:
        raise InvalidParameter(
            f"Refusing to listen on {settings.host} without authentication. Start with --auth "
            "(and create an admin: modelyard users create-admin), or, if a proxy in front "
            "authenticates every request, pass --insecure-no-auth."
        )
    return INSECURE.format(host=settings.host)


def bootstrap_admin(settings: Settings) -> str | None:
    """Creates MODELYARD_ADMIN_USERNAME with MODELYARD_ADMIN_PASSWORD when it does not exist."""
    if not settings.admin_username or settings.admin_password is None:
        return None
    uow = open_unit_of_work(settings)
    try:
        created = users.ensure_admin(
            uow,
            username=settings.admin_username,
            password=settings.admin_password.get_secret_value(),
        )
    finally:
        uow.dispose()
    return f"admin user '{settings.admin_username}' created" if created else None
