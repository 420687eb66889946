"""`modelyard tokens|groups|permissions ...`: API tokens, groups and grants on a server with
`--auth`, through its API (`--url`), signed in as `modelyard users` commands are."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from modelyard.cli.options import Json, Url, fail
from modelyard.cli.users import Username, open_client, show_grants, show_json, show_table, when

tokens_app = typer.Typer(
    help="API tokens: create (shown once), list, revoke.", no_args_is_help=True
)
groups_app = typer.Typer(help="Groups (approvers named by policies).", no_args_is_help=True)
permissions_app = typer.Typer(
    help="Grants on registered models and experiments.", no_args_is_help=True
)

# --- tokens ------------------------------------------------------------------------------------


@tokens_app.command("create")
def create_token(
    name: Annotated[str, typer.Option("--name", help="What it is for, e.g. ci-promotions.")] = (
        "token"
    ),
    scope: Annotated[
        str, typer.Option("--scope", help="read, write, or admin (an admin's token only).")
    ] = "write",
    expires_in_days: Annotated[
        float, typer.Option("--expires-in-days", help="Days until it stops working.")
    ] = 90,
    no_expiry: Annotated[bool, typer.Option("--no-expiry", help="A token that never expires.")] = (
        False
    ),
    user: Annotated[
        str | None, typer.Option("--user", help="Whose token (admins only). Default: yours.")
    ] = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Create an API token and print its secret, once.

    Example: modelyard tokens create --name ci --scope write --expires-in-days 30
    """
    with open_client(url) as client:
        created = client.create_token(
            name=name,
            scope=scope,
            expires_in_days=None if no_expiry else expires_in_days,
            username=user,
        )
    if as_json:
        show_json(created)
        return
    token = created["token"]
    expires = when(token["expires_time"], "never")
    typer.echo(
        f"token {token['id']} '{token['name']}' for {token['username']}, scope "
        f"{token['scope']}, expires {expires}"
    )
    typer.echo(created["secret"])
    typer.secho(
        "Copy the secret above now: it is not shown again. Use it as MODELYARD_TOKEN or "
        "MLFLOW_TRACKING_TOKEN.",
        fg="yellow",
        err=True,
    )


@tokens_app.command("list")
def list_tokens(
    user: Annotated[
        str | None, typer.Option("--user", help="Whose tokens (admins only). Default: yours.")
    ] = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """List tokens (never their secrets).

    Example: modelyard tokens list --user ci-bot
    """
    with open_client(url) as client:
        found = client.list_tokens(user)
    if as_json:
        show_json(found)
        return
    rows = [
        (
            str(t["id"]),
            t["username"],
            t["name"],
            t["token_prefix"] + "...",
            t["scope"],
            when(t["created_time"]),
            when(t["expires_time"], "never"),
            when(t["revoked_time"]),
        )
        for t in found
    ]
    columns = ("id", "user", "name", "token", "scope", "created", "expires", "revoked")
    show_table(None, columns, rows)


@tokens_app.command("revoke")
def revoke_token(
    token_id: Annotated[int, typer.Argument(help="The token's id (tokens list).")],
    url: Url = None,
) -> None:
    """Revoke a token (its owner or an admin); it stops working at once.

    Example: modelyard tokens revoke 12
    """
    with open_client(url) as client:
        client.revoke_token(token_id)
    typer.echo(f"token {token_id} revoked")


# --- groups ------------------------------------------------------------------------------------

GroupName = Annotated[str, typer.Argument(help="Group name.")]


@groups_app.command("list")
def list_groups(url: Url = None, as_json: Json = False) -> None:
    """List groups and their members.

    Example: modelyard groups list
    """
    with open_client(url) as client:
        found = client.list_groups()
    if as_json:
        show_json(found)
        return
    show_table(None, ("group", "members"), [(g["name"], ", ".join(g["members"])) for g in found])


@groups_app.command("create")
def create_group(name: GroupName, url: Url = None) -> None:
    """Create a group (admins only).

    Example: modelyard groups create ml-leads
    """
    with open_client(url) as client:
        client.create_group(name)
    typer.echo(f"group '{name}' created")


@groups_app.command("delete")
def delete_group(name: GroupName, url: Url = None) -> None:
    """Delete a group (admins only).

    Example: modelyard groups delete ml-leads
    """
    with open_client(url) as client:
        client.delete_group(name)
    typer.echo(f"group '{name}' deleted")


@groups_app.command("add")
def add_member(name: GroupName, username: Username, url: Url = None) -> None:
    """Add a user to a group (admins only).

    Example: modelyard groups add ml-leads bob
    """
    with open_client(url) as client:
        client.add_member(name, username)
    typer.echo(f"'{username}' is in group '{name}'")


@groups_app.command("remove")
def remove_member(name: GroupName, username: Username, url: Url = None) -> None:
    """Remove a user from a group (admins only).

    Example: modelyard groups remove ml-leads bob
    """
    with open_client(url) as client:
        client.remove_member(name, username)
    typer.echo(f"'{username}' is not in group '{name}'")


# --- permissions -------------------------------------------------------------------------------

Model = Annotated[str | None, typer.Option("--model", help="Registered model name.")]
Experiment = Annotated[str | None, typer.Option("--experiment", help="Experiment id.")]
User = Annotated[str, typer.Option("--user", help="Whose permission.")]


def _on(model: str | None, experiment: str | None) -> str:
    if (model is None) == (experiment is None):
        raise fail("give exactly one of --model and --experiment")
    return f"registered model '{model}'" if model is not None else f"experiment {experiment}"


@permissions_app.command("grant")
def grant(
    user: User,
    permission: Annotated[
        str, typer.Option("--permission", help="READ, EDIT, MANAGE or NO_PERMISSIONS.")
    ],
    model: Model = None,
    experiment: Experiment = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Give a user a permission on a model or experiment (replacing theirs; needs MANAGE).

    Example: modelyard permissions grant --model churn --user bob --permission EDIT
    """
    on = _on(model, experiment)
    with open_client(url) as client:
        found = client.grant(
            username=user, permission=permission.upper(), model=model, experiment=experiment
        )
    if as_json:
        show_json(found)
    else:
        typer.echo(f"{user}: {found['permission']} on {on}")


@permissions_app.command("revoke")
def revoke(user: User, model: Model = None, experiment: Experiment = None, url: Url = None) -> None:
    """Remove a user's grant on a model or experiment; the default permission applies again.

    Example: modelyard permissions revoke --experiment 3 --user bob
    """
    on = _on(model, experiment)
    with open_client(url) as client:
        client.revoke(username=user, model=model, experiment=experiment)
    typer.echo(f"{user}: grant on {on} removed (the default permission applies)")


@permissions_app.command("show")
def show(
    user: User,
    model: Model = None,
    experiment: Experiment = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Show a user's grant on a model or experiment, or (with neither) all their grants.

    Example: modelyard permissions show --model churn --user bob
    """
    everything = model is None and experiment is None
    on = "" if everything else _on(model, experiment)
    with open_client(url) as client:
        if everything:
            found: dict[str, Any] | None = client.get_user(user)
        else:
            found = client.get_permission(username=user, model=model, experiment=experiment)
    if as_json:
        show_json(found)
    elif everything and found is not None:
        show_grants(found)
    elif found is None:
        typer.echo(f"{user}: no grant on {on} (the server's default permission applies)")
    else:
        typer.echo(f"{user}: {found['permission']} on {on}")
