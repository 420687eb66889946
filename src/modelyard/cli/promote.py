"""`modelyard promote MODEL VERSION --stage S | --alias A [--check]`: exit 0 when the promotion is
allowed (and applied, without --check), 1 when the policy says no, 2 on any other error."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from modelyard.cli.options import EXIT_REFUSED, Json, Url, fail
from modelyard.cli.policy import client

Stage = Annotated[str | None, typer.Option("--stage", help="Target stage, e.g. Production.")]
Alias = Annotated[str | None, typer.Option("--alias", help="Target alias, e.g. champion.")]


def promote(
    model: Annotated[str, typer.Argument(help="Registered model name.")],
    version: Annotated[int, typer.Argument(help="Version number.")],
    stage: Stage = None,
    alias: Alias = None,
    check: Annotated[
        bool, typer.Option("--check", help="Dry run: show the checks, change nothing.")
    ] = False,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Promote a version to a stage or alias, checked against the promotion policy.

    Exit status: 0 allowed (and done), 1 refused by the policy, 2 any other error.

    Example: modelyard promote churn 7 --stage Production --check
    """
    if (stage is None) == (alias is None):
        raise fail("give exactly one of --stage and --alias")
    with client("policies", url) as c:
        if check:
            result = c.check(model, version, stage=stage, alias=alias)
            _show_check(result, as_json)
            raise typer.Exit(0 if result["allowed"] else EXIT_REFUSED)
        moved = c.promote(model, version, stage=stage, alias=alias)
    if as_json:
        typer.echo(json.dumps(moved, indent=2))
    else:
        typer.echo(
            f"{model} version {version} -> {'stage ' + stage if stage else 'alias ' + str(alias)}"
        )


def _show_check(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    policy = result["policy"]
    where = (
        "no policy"
        if policy is None
        else (f"policy of {policy['model'] or 'the server default'}, version {policy['version']}")
    )
    verdict = "allowed" if result["allowed"] else "refused"
    ((kind, value),) = result["target"].items()
    table = Table(
        title=f"{result['model']} v{result['version']} -> {kind} {value}: {verdict} ({where})"
    )
    for column in ("check", "passed", "actual", "required"):
        table.add_column(column)
    for c in result["checks"]:
        table.add_row(c["name"], "yes" if c["passed"] else "NO", c["actual"], c["required"])
    Console().print(table)
