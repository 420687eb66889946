"""`modelyard audit ...`, `modelyard history`, `modelyard rollback`: through the server's API
(MODELYARD_URL or --url), acting as the local user (header X-Modelyard-User)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

audit_app = typer.Typer(help="The audit trail: list, export, verify.", no_args_is_help=True)

Url = Annotated[
    str | None,
    typer.Option(
        "--url", envvar="MODELYARD_URL", help="The modelyard server, e.g. http://host:5000."
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _client(url: str | None) -> Any:
    from modelyard.client.audit import AuditClient

    return AuditClient(url)


def _fail(error: Exception) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(2)


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
    """List audit events, newest first."""
    from modelyard.errors import ModelyardError

    try:
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
    except ModelyardError as e:
        raise _fail(e) from None
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
    """Export audit events as JSON Lines, oldest first."""
    from modelyard.errors import ModelyardError

    out = output.open("w", encoding="utf-8") if output else sys.stdout
    count = 0
    try:
        with _client(url) as client:
            for line in client.export_lines(
                model=model, actor=actor, since=_ms(since), until=_ms(until)
            ):
                out.write(line + "\n")
                count += 1
    except ModelyardError as e:
        raise _fail(e) from None
    finally:
        if output:
            out.close()
    if output:
        typer.echo(f"{count} events written to {output}", err=True)


@audit_app.command("verify")
def audit_verify(url: Url = None, as_json: Json = False) -> None:
    """Verify the hash chain; exit 1 naming the first bad event if it was tampered with."""
    from modelyard.errors import ModelyardError

    try:
        with _client(url) as client:
            result = client.verify()
    except ModelyardError as e:
        raise _fail(e) from None
    if as_json:
        typer.echo(json.dumps(result))
    elif result["ok"]:
        typer.echo(f"audit chain OK: {result['checked']} events")
    else:
        typer.echo(
            f"audit chain BROKEN at event {result['first_bad_seq']}: {result['reason']}", err=True
        )
    if not result["ok"]:
        raise typer.Exit(1)


Alias = Annotated[str | None, typer.Option(help="An alias, e.g. champion.")]
Stage = Annotated[str | None, typer.Option(help="A stage, e.g. Production.")]


def _one_of(alias: str | None, stage: str | None) -> None:
    if (alias is None) == (stage is None):
        raise typer.BadParameter("give exactly one of --alias and --stage")


def history(
    model: Annotated[str, typer.Argument(help="Registered model name.")],
    alias: Alias = None,
    stage: Stage = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Show which versions an alias or stage pointed at, newest first."""
    from modelyard.errors import ModelyardError

    _one_of(alias, stage)
    try:
        with _client(url) as client:
            if alias is not None:
                rows = client.alias_history(model, alias)
            else:
                rows = client.stage_history(model, stage)
    except ModelyardError as e:
        raise _fail(e) from None
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
    """Move an alias or a stage back to its previous version (audited)."""
    from modelyard.errors import ModelyardError

    _one_of(alias, stage)
    try:
        with _client(url) as client:
            changed = client.rollback(model, alias=alias, stage=stage)
    except ModelyardError as e:
        raise _fail(e) from None
    if as_json:
        typer.echo(json.dumps(changed, indent=2))
        return
    for v in changed:
        typer.echo(
            f"{model} version {v['version']}: stage {v['current_stage']}, "
            f"aliases {', '.join(v.get('aliases') or []) or '-'}"
        )
