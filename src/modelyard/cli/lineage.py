"""`modelyard lineage`, `modelyard compare` and `modelyard deployments record|list`: through the
server's API (MODELYARD_URL or --url), acting as the local user (header X-Modelyard-User)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from modelyard.cli.options import Json, Url, fail

deployments_app = typer.Typer(help="Deployment records: where versions run.", no_args_is_help=True)
Model = Annotated[str, typer.Argument(help="Registered model name.")]


def _client(url: str | None) -> Any:
    from modelyard.client.lineage import LineageClient

    return LineageClient(url)


def _when(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000).isoformat(sep=" ", timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return "-"
    return value if isinstance(value, str) else json.dumps(value)


def _number(value: Any) -> str:
    """Six significant digits: 0.05, not 0.04999999999999993."""
    return f"{value:.6g}" if isinstance(value, float) else _text(value)


def lineage(
    model: Model,
    version: Annotated[int, typer.Argument(help="Version number.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON document to this file.")
    ] = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Show the whole story of a version: run, logged model, history, approvals, deployments.

    Example: modelyard lineage churn 7 --output churn-7.json
    """
    with _client(url) as client:
        found = client.lineage(model, version)
    if output is not None:
        output.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
        typer.echo(f"lineage of {model} version {version} written to {output}", err=True)
    elif as_json:
        typer.echo(json.dumps(found, indent=2))
    else:
        _show_lineage(found)


def _pairs(title: str, values: dict[str, Any]) -> Any:
    from rich.table import Table

    table = Table("key", "value", title=title, title_justify="left")
    for k, v in values.items():
        table.add_row(k, _text(v))
    return table


def _show_lineage(x: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    console = Console()
    mv = x["model_version"]
    reg = x["registered"]
    files = x["files"]
    summary = {
        "stage": mv["stage"],
        "aliases": ", ".join(mv["aliases"]) or None,
        "status": mv["status"],
        "source": mv["source"],
        "storage": mv["storage_location"],
        "files": None if files is None else f"{files['file_count']} ({files['total_size']} bytes)",
        "registered": f"{reg['actor'] or '-'} at {_when(reg['time'])}",
        "tags": mv["tags"] or None,
    }
    console.print(
        Panel(_pairs("", summary), title=f"{mv['name']} version {mv['version']}", expand=False)
    )
    run = x["run"]
    if run is None:
        console.print("run: none")
    else:
        code = run["source_code"] or {}
        head = f"run {run['run_id']} ({run['run_name']}, {run['status']})"
        exp = x["experiment"]
        if exp is not None:
            head += f" in experiment {exp['name']} ({exp['experiment_id']})"
        console.print(Panel(f"{head}\ncode: {code.get('source_name') or '-'} "
                            f"@ {code.get('git_commit') or '-'}", expand=False))  # fmt: skip
        console.print(_pairs("params", run["params"]))
        console.print(_pairs("metrics", run["metrics"]))
        datasets = Table("dataset", "digest", "source", title="inputs", title_justify="left")
        for d in run["datasets"]:
            datasets.add_row(d["name"], d["digest"], d["source"])
        console.print(datasets)
    lm = x["logged_model"]
    if lm is not None:
        console.print(Panel(f"logged model {lm['model_id']} ({lm['name']})", expand=False))
        console.print(_pairs("logged model params", lm["params"]))
    history = Table("time", "change", "actor", "action", title="history", title_justify="left")
    for h in x["history"]:
        change = (
            f"stage {h['from_stage']} -> {h['to_stage']}"
            if h["kind"] == "stage"
            else f"alias {h['alias']}: {h['previous_version']} -> {h['version']}"
        )
        history.add_row(_when(h["time"]), change, h["actor"], h["action"])
    console.print(history)
    approvals = Table("id", "target", "status", "requester", "approvers", title="approvals",
                      title_justify="left")  # fmt: skip
    for a in x["approvals"]:
        target = ", ".join(f"{k} {v}" for k, v in a["target"].items())
        approvers = ", ".join(d["approver"] for d in a["decisions"]) or "-"
        approvals.add_row(str(a["id"]), target, a["status"], a["requester"], approvers)
    console.print(approvals)
    console.print(_deployments_table(x["deployments"]))


def _deployments_table(rows: list[dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table("time", "version", "environment", "endpoint", "actor", "note",
                  title="deployments", title_justify="left")  # fmt: skip
    for d in rows:
        table.add_row(
            _when(d["deployed_at"]), str(d["version"]), d["environment"], _text(d["endpoint"]),
            d["actor"], _text(d["note"]),
        )  # fmt: skip
    return table


def compare(
    model: Model,
    a: Annotated[str, typer.Argument(help="Version A: a number, or MODEL/VERSION.")],
    b: Annotated[str, typer.Argument(help="Version B: a number, or MODEL/VERSION.")],
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Compare two versions: metrics (delta b - a), params, tags, signatures, files.

    Example: modelyard compare churn 6 7
    """
    with _client(url) as client:
        found = client.compare(model, a, b)
    if as_json:
        typer.echo(json.dumps(found, indent=2))
    else:
        _show_comparison(found)


def _show_comparison(c: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    a, b = c["a"], c["b"]
    console.print(f"a: {a['name']} version {a['version']}   b: {b['name']} version {b['version']}")
    metrics = Table("metric", "a", "b", "b - a", title="metrics", title_justify="left")
    for m in c["metrics"]:
        metrics.add_row(m["key"], *(_number(m[k]) for k in ("a", "b", "delta")))
    console.print(metrics)
    for part in ("params", "tags", "run_tags"):
        table = Table("key", "a", "b", "", title=part.replace("_", " "), title_justify="left")
        for p in c[part]:
            if p["status"] != "same":
                table.add_row(p["key"], _text(p["a"]), _text(p["b"]), p["status"])
        console.print(table)
    sig = c["signature"]
    console.print(f"signature: {'same' if sig['same'] else 'differs'}")
    if not sig["same"]:
        console.print(_pairs("signature a", sig["a"] or {}))
        console.print(_pairs("signature b", sig["b"] or {}))
    if c["files"] is None:
        console.print("files: not compared (a version references external files)")
        return
    files = Table("path", "", "size a", "size b", "sha256 a", "sha256 b", title="files",
                  title_justify="left")  # fmt: skip
    for f in c["files"]:
        fa, fb = f["a"] or {}, f["b"] or {}
        files.add_row(
            f["path"], f["status"], _text(fa.get("size")), _text(fb.get("size")),
            (fa.get("sha256") or "-")[:12], (fb.get("sha256") or "-")[:12],
        )  # fmt: skip
    console.print(files)


@deployments_app.command("record")
def deployments_record(
    model: Model,
    version: Annotated[int, typer.Argument(help="Version number.")],
    environment: Annotated[str, typer.Option("--environment", help="e.g. production.")],
    endpoint: Annotated[str | None, typer.Option(help="URL or name it serves at.")] = None,
    note: Annotated[str | None, typer.Option(help="Free text: job, ticket...")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="KEY=VALUE, repeatable.")] = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Record that a version was deployed (audited).

    Example: modelyard deployments record churn 7 --environment production --tag region=eu
    """
    tags = dict(t.split("=", 1) for t in tag or [] if "=" in t)
    if len(tags) != len(tag or []):
        raise fail("--tag takes KEY=VALUE")
    with _client(url) as client:
        made = client.record_deployment(
            model, version, environment=environment, endpoint=endpoint, note=note,
            tags=tags or None,
        )  # fmt: skip
    if as_json:
        typer.echo(json.dumps(made, indent=2))
    else:
        typer.echo(f"deployment {made['id']}: {model} version {version} in {environment}")


@deployments_app.command("list")
def deployments_list(
    model: Model,
    version: Annotated[int | None, typer.Option(help="Only this version.")] = None,
    environment: Annotated[str | None, typer.Option(help="Only this environment.")] = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """List deployment records, newest first.

    Example: modelyard deployments list churn --environment production
    """
    with _client(url) as client:
        rows = client.deployments(model, version, environment=environment)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console

    Console().print(_deployments_table(rows))
