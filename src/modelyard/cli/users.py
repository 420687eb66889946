"""`modelyard users ...`: the users of a server with `--auth`, through its API (`--url`), signed
in with MODELYARD_TOKEN, MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD (tokens,
groups and permissions: cli/access.py). `users create-admin` alone works on the database
directly, to create the first admin before any server runs.

Passwords are never options (they would end up in shell history and `ps`): a hidden prompt,
or one line on stdin with `--password-stdin`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from modelyard.cli.options import Json, Url, fail

users_app = typer.Typer(
    help="Users of a server with --auth; `create-admin` works without a server.",
    no_args_is_help=True,
)

Username = Annotated[str, typer.Argument(help="User name.")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of stdin (for scripts)."
    ),
]


def open_client(url: str | None) -> Any:
    from modelyard.client.users import UsersClient

    return UsersClient(url)


def _read_password(from_stdin: bool, other: str = "") -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise fail("--password-stdin: no password on stdin")
        return password
    if not sys.stdin.isatty():
        raise fail(f"no password given: pass --password-stdin and the password on stdin{other}")
    prompted: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return prompted


def when(ms: int | None, never: str = "") -> str:
    if ms is None:
        return never
    return datetime.fromtimestamp(ms / 1000).isoformat(sep=" ", timespec="minutes")


def show_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2))


def show_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    grid = Table(*columns, title=title)
    for row in rows:
        grid.add_row(*(str(cell) for cell in row))
    Console().print(grid)


# --- users -------------------------------------------------------------------------------------


@users_app.command("create-admin")
def create_admin(
    username: Username,
    password_stdin: PasswordStdin = False,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            envvar="MODELYARD_DATABASE_URL",
            help="SQLAlchemy URL. Default: SQLite in the data folder.",
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", envvar="MODELYARD_DATA_DIR", help="Folder for embedded defaults."
        ),
    ] = None,
) -> None:
    """Create an admin user directly in the database (no server needed; migrates it first).

    The password: --password-stdin, else MODELYARD_ADMIN_PASSWORD, else a hidden prompt.

    Example: printf '%s\\n' "$ADMIN_PW" | modelyard users create-admin alice --password-stdin
    """
    from modelyard.config import Settings
    from modelyard.services import users
    from modelyard.services.system import open_unit_of_work, upgrade_database

    overrides: dict[str, Any] = {"database_url": database_url, "data_dir": data_dir}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    if password_stdin or settings.admin_password is None:
        password = _read_password(password_stdin, ", or set MODELYARD_ADMIN_PASSWORD")
    else:
        password = settings.admin_password.get_secret_value()
    upgrade_database(settings)
    uow = open_unit_of_work(settings)
    try:
        users.create_user(
            uow, username=username, password=password, is_admin=True, actor=_operator()
        )
    finally:
        uow.dispose()
    typer.echo(f"admin user '{username}' created; start the server with --auth")


def _operator() -> str:
    from modelyard.client.base import local_user

    return local_user()


@users_app.command("whoami")
def whoami(url: Url = None, as_json: Json = False) -> None:
    """Show who the server takes you for (user, admin, token scope).

    Example: MODELYARD_TOKEN=myd_... modelyard users whoami
    """
    with open_client(url) as client:
        me = client.me()
    if as_json:
        show_json(me)
    elif not me["auth"]:
        typer.echo("local mode: the server has no access control (anyone acts as anyone)")
    else:
        admin = ", admin" if me["is_admin"] else ""
        scope = f", token scope {me['scope']}" if me["scope"] else ", password login"
        typer.echo(f"{me['username']}{admin}{scope}")


@users_app.command("create")
def create_user(
    username: Username,
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an admin.")] = False,
    password_stdin: PasswordStdin = False,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Create a user (admins only).

    Example: modelyard users create bob   # prompts for the password
    """
    password = _read_password(password_stdin)
    with open_client(url) as client:
        user = client.create_user(username, password)
        if admin:
            client.set_admin(username, True)
            user["is_admin"] = True
    if as_json:
        show_json(user)
    else:
        typer.echo(f"user '{username}' created" + (" (admin)" if admin else ""))


@users_app.command("list")
def list_users(url: Url = None, as_json: Json = False) -> None:
    """List users (admins only).

    Example: modelyard users list
    """
    with open_client(url) as client:
        found = client.list_users()
    if as_json:
        show_json(found)
        return
    rows = [(str(u["id"]), u["username"], "yes" if u["is_admin"] else "") for u in found]
    show_table(None, ("id", "username", "admin"), rows)


@users_app.command("get")
def get_user(username: Username, url: Url = None, as_json: Json = False) -> None:
    """Show a user and their grants (yourself, or anyone as an admin).

    Example: modelyard users get bob
    """
    with open_client(url) as client:
        user = client.get_user(username)
    if as_json:
        show_json(user)
        return
    typer.echo(f"{user['username']} (id {user['id']}{', admin' if user['is_admin'] else ''})")
    show_grants(user)


def show_grants(user: dict[str, Any]) -> None:
    rows = [
        ("registered model", g["name"], g["permission"])
        for g in user.get("registered_model_permissions", [])
    ]
    rows += [
        ("experiment", g["experiment_id"], g["permission"])
        for g in user.get("experiment_permissions", [])
    ]
    if not rows:
        typer.echo("no grants: the server's default permission applies everywhere")
        return
    show_table(f"grants of {user['username']}", ("on", "name / id", "permission"), rows)


@users_app.command("delete")
def delete_user(username: Username, url: Url = None) -> None:
    """Delete a user with their tokens and grants (admins only; never the last admin).

    Example: modelyard users delete bob
    """
    with open_client(url) as client:
        client.delete_user(username)
    typer.echo(f"user '{username}' deleted")


@users_app.command("set-password")
def set_password(
    username: Username, password_stdin: PasswordStdin = False, url: Url = None
) -> None:
    """Change a password: your own, or anyone's as an admin.

    Example: modelyard users set-password bob
    """
    password = _read_password(password_stdin)
    with open_client(url) as client:
        client.update_password(username, password)
    typer.echo(f"password of '{username}' changed")


@users_app.command("set-admin")
def set_admin(
    username: Username,
    admin: Annotated[
        bool, typer.Option("--admin/--no-admin", help="Grant or take away admin rights.")
    ] = True,
    url: Url = None,
) -> None:
    """Make a user an admin, or (--no-admin) not (admins only; never the last admin).

    Example: modelyard users set-admin bob --no-admin
    """
    with open_client(url) as client:
        client.set_admin(username, admin)
    typer.echo(f"'{username}' is {'now' if admin else 'no longer'} an admin")
