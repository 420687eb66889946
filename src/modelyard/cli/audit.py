"""`modelyard audit ...`, `modelyard history`, `modelyard rollback`: through the server's API
(MODELYARD_URL or --url), acting as the local user (header X-Modelyard-User)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from modelyard.cli.options import Json, Url, fail

audit_app = typer.Typer(help="The audit trail: list, export, verify.", no_args_is_help=True)


def _client(url: str | None) -> Any:
    from modelyard.client.audit import AuditClient

    return AuditClient(url)


def _ms(value: str | None) -> int | None:
    """Milliseconds since the epoch, or an ISO date/time (2026-01-31, 2026-01-31T12:00:00)."""
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    try:
        return int(datetime.fromisoformat(value).timestamp() * 1000)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is neither milliseconds nor an ISO date") from None


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).isoformat(sep=" ", timespec="seconds")


@audit_app.command("list")
def audit_list(
    model: Annotated[str | None, typer.Option(help="Registered model name.")] = None,
    version: Annotated[str | None, typer.Option(help="Version (with --model).")] = None,
    actor: Annotated[str | None, typer.Option(help="Who made the change.")] = None,
    action: Annotated[str | None, typer.Option(help="e.g. registered_model.alias_set")] = None,
    since: Annotated[str | None, typer.Option(help="From (ms or ISO date/time).")] = None,
    until: Annotated[str | None, typer.Option(help="Up to (ms or ISO date/time).")] = None,
    max_results: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """List audit events, newest first.

    Example: modelyard audit list --model fraud --since 2026-01-01 --json
    """
    with _client(url) as client:
        page = client.list_events(
            model=model,
            version=version,
            actor=actor,
            action=action,
            since=_ms(since),
            until=_ms(until),
            max_results=max_results,
        )
    if as_json:
        typer.echo(json.dumps(page["events"], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("seq", "time", "actor", "action", "target", "after")
    for ev in page["events"]:
        version = ev["target_version"]
        target = ev["target_name"] + (f" v{version}" if version else "")
        after = json.dumps(ev["after"])
        table.add_row(str(ev["seq"]), _when(ev["time"]), ev["actor"], ev["action"], target, after)
    Console().print(table)


@audit_app.command("export")
def audit_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Registered model name.")] = None,
    actor: Annotated[str | None, typer.Option(help="Who made the change.")] = None,
    since: Annotated[str | None, typer.Option(help="From (ms or ISO date/time).")] = None,
    until: Annotated[str | None, typer.Option(help="Up to (ms or ISO date/time).")] = None,
    url: Url = None,
) -> None:
    """Export audit events as JSON Lines, oldest first.

    Example: modelyard audit export -o audit-2026-01.jsonl --since 2026-01-01 --until 2026-02-01
    """
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    count = 0
    try:
        with _client(url) as client:
            for line in client.export_lines(
                model=model, actor=actor, since=_ms(since), until=_ms(until)
            ):
                out.write(line + "\n")
                count += 1
    finally:
        if output:
            out.close()
    if output:
        typer.echo(f"{count} events written to {output}", err=True)


@audit_app.command("verify")
def audit_verify(url: Url = None, as_json: Json = False) -> None:
    """Verify the hash chain; exit 1 naming the first bad event if it was tampered with.

    Example: modelyard audit verify || echo "the audit trail was tampered with"
    """
    with _client(url) as client:
        result = client.verify()
    if as_json:
        typer.echo(json.dumps(result))
    elif result["ok"]:
        typer.echo(f"audit chain OK: {result['checked']} events")
    else:
        typer.secho(
            f"audit chain BROKEN at event {result['first_bad_seq']}: {result['reason']}",
            fg="red",
            err=True,
        )
    if not result["ok"]:
        raise typer.Exit(1)


Alias = Annotated[str | None, typer.Option(help="An alias, e.g. champion.")]
Stage = Annotated[str | None, typer.Option(help="A stage, e.g. Production.")]


def _one_of(alias: str | None, stage: str | None) -> None:
    if (alias is None) == (stage is None):
        raise fail("give exactly one of --alias and --stage")


def history(
    model: Annotated[str, typer.Argument(help="Registered model name.")],
    alias: Alias = None,
    stage: Stage = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Show which versions an alias or stage pointed at, newest first.

    Example: modelyard history fraud --alias champion
    """
    _one_of(alias, stage)
    with _client(url) as client:
        if alias is not None:
            rows = client.alias_history(model, alias)
        else:
            rows = client.stage_history(model, stage)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    if alias is not None:
        table = Table("time", "version", "previous", "actor", "action")
        for r in rows:
            table.add_row(
                _when(r["time"]), str(r["version"]), str(r["previous_version"]), r["actor"],
                r["action"],
            )  # fmt: skip
    else:
        table = Table("time", "version", "from", "to", "actor", "action")
        for r in rows:
            table.add_row(
                _when(r["time"]), str(r["version"]), r["from_stage"], r["to_stage"], r["actor"],
                r["action"],
            )  # fmt: skip
    Console().print(table)


def rollback(
    model: Annotated[str, typer.Argument(help="Registered model name.")],
    alias: Alias = None,
    stage: Stage = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Move an alias or a stage back to its previous version (audited).

    Example: modelyard rollback fraud --alias champion
    """
    _one_of(alias, stage)
    with _client(url) as client:
        changed = client.rollback(model, alias=alias, stage=stage)
    if as_json:
        typer.echo(json.dumps(changed, indent=2))
        return
    for v in changed:
        typer.echo(
            f"{model} version {v['version']}: stage {v['current_stage']}, "
            f"aliases {', '.join(v.get('aliases') or []) or '-'}"
        )
