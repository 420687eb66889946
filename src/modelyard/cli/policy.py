"""`modelyard policy apply|show`: promotion policies through the server's API (MODELYARD_URL or
--url), acting as the local user (header X-Modelyard-User)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from modelyard.cli.options import Json, Url

policy_app = typer.Typer(help="Promotion policies: apply a YAML file, show.", no_args_is_help=True)


def client(kind: str, url: str | None) -> Any:
    from modelyard.client import ApprovalsClient, PoliciesClient

    return (PoliciesClient if kind == "policies" else ApprovalsClient)(url)


@policy_app.command("apply")
def policy_apply(
    file: Annotated[Path, typer.Argument(help="Policy document, YAML or JSON.")],
    model: Annotated[
        str | None, typer.Option("--model", help="The model's policy (default: server-wide).")
    ] = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Store a policy file as the newest policy version of a model, or of the server default.

    Example: modelyard policy apply policy.yaml --model churn
    """
    text = file.read_text()
    with client("policies", url) as c:
        stored = c.put_policy(text, model=model)
    if as_json:
        typer.echo(json.dumps(stored, indent=2))
        return
    owner = f"model {stored['model']}" if stored["model"] else "the server default"
    typer.echo(f"stored policy version {stored['version']} for {owner}")


@policy_app.command("show")
def policy_show(
    model: Annotated[str | None, typer.Argument(help="Model name (default: server-wide).")] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Every version, newest first.")
    ] = False,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Show the newest policy (as YAML) of a model or of the server default.

    Example: modelyard policy show churn --history
    """
    import yaml

    with client("policies", url) as c:
        found = c.policy_history(model) if history else [c.get_policy(model)]
    if as_json:
        typer.echo(json.dumps(found if history else found[0], indent=2))
        return
    for p in found:
        typer.echo(f"# version {p['version']} by {p['actor']} at {p['created_time']}")
        typer.echo(yaml.safe_dump(p["policy"], sort_keys=False).rstrip())
