"""`modelyard retention MODEL --keep N [--delete] [--dry-run] [--json]`: archive (or delete) all
but the newest N versions through the server's API, acting as the local user."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from modelyard.cli.options import Json, Url


def retention(
    model: Annotated[str, typer.Argument(help="Registered model name.")],
    keep: Annotated[
        int, typer.Option("--keep", min=0, help="How many of the newest versions to keep.")
    ],
    delete: Annotated[
        bool, typer.Option("--delete", help="Delete the older versions instead of archiving.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
    ] = False,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Archive (or delete) all but the newest N versions.

    Aliased, Staging, Production and pending-approval versions are never touched.

    Example: modelyard retention fraud --keep 5 --dry-run
    """
    from modelyard.client import RetentionClient

    with RetentionClient(url) as client:
        result = client.apply_retention(
            model, keep=keep, action="delete" if delete else "archive", dry_run=dry_run
        )
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        _show(result)


def _show(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    done = {"archive": "archived", "delete": "deleted"}[result["action"]]
    verb = f"would be {done}" if result["dry_run"] else done
    table = Table(title=f"{result['model']}: keep the newest {result['keep']}")
    for column in ("version", "outcome", "why"):
        table.add_column(column)
    rows: list[tuple[int, str, str]] = [(v, "kept", "newest") for v in result["kept"]]
    rows += [(p["version"], "kept", ", ".join(p["reasons"])) for p in result["protected"]]
    rows += [(v, "unchanged", "already Archived") for v in result["unchanged"]]
    rows += [(c["version"], verb, f"was {c['from_stage']}") for c in result["changed"]]
    for version, outcome, why in sorted(rows, key=lambda r: -r[0]):
        table.add_row(str(version), outcome, why)
    console = Console()
    console.print(table)
    console.print(f"{len(result['changed'])} version(s) {verb}.")
