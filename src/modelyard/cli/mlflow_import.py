"""`modelyard import mlflow --from URI`: copy registered models from an MLflow registry into
modelyard, with progress on stderr and a summary at the end (the work is in
`modelyard.client.mlflow_import`).

Exit status: 0 when every model was imported or was there already; 1 when something was left
out by rule (a model that exists with other versions, a stage or alias a policy refused);
2 when a model failed to copy, or on any other error.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from typing import Annotated, Any

import typer

from modelyard.cli.options import EXIT_ERROR, EXIT_REFUSED, Json, Url
from modelyard.cli.progress import byte_progress

import_app = typer.Typer(
    help="Copy registered models into modelyard from MLflow.", no_args_is_help=True
)

RESULTS = {
    "imported": "imported",
    "would-import": "would import",
    "skipped": "skipped",
    "conflict": "left unchanged",
    "failed": "FAILED",
}


class _Bars:
    """The importer's progress: a bar for the current step, in bytes when it moves bytes."""

    def __init__(self, bars: Any) -> None:
        self._bars = bars
        self._task: Any = None

    def begin(self, what: str, total: int | None) -> None:
        from rich.markup import escape

        if self._task is not None:
            self._bars.remove_task(self._task)
        self._task = self._bars.add_task(escape(what), total=total, bytes=total is not None)

    def advance(self, amount: int) -> None:
        self._bars.advance(self._task, amount)

    def finish(self) -> None:
        if self._task is not None:
            self._bars.remove_task(self._task)
            self._task = None


@import_app.command("mlflow")
def import_mlflow(
    source: Annotated[
        str,
        typer.Option(
            "--from",
            help="The MLflow tracking URI to copy from: http(s)://host:port, or its database "
            "(e.g. sqlite:///mlflow.db, postgresql://...).",
            show_default=False,
        ),
    ],
    models: Annotated[
        list[str] | None,
        typer.Option("--model", help="Only this registered model; repeat for more. Default: all."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be copied; change nothing.")
    ] = False,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Copy registered models, their versions (files, tags, stages) and aliases from MLflow.

    Versions keep their numbers. Models already in modelyard are skipped, so a re-run is safe.

    Example: modelyard import mlflow --from http://mlflow.internal:5000 --url http://modelyard:5000
    """
    from modelyard.client.mlflow_import import MlflowImporter

    # The mlflow client would draw progress bars of its own under ours.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    with byte_progress() as bars:
        steps = _Bars(bars)
        importer = MlflowImporter(source, url, progress=steps)
        try:
            found = importer.models(models or None)
            overall = bars.add_task("models", total=len(found), bytes=False)
            outcomes = []
            for number, model in enumerate(found, start=1):
                bars.update(overall, description=f"model {number} of {len(found)}")
                outcomes.append(importer.plan(model) if dry_run else importer.copy(model))
                bars.advance(overall)
            steps.finish()
        finally:
            importer.close()
    if as_json:
        typer.echo(json.dumps([asdict(o) for o in outcomes], indent=2))
    else:
        _summary(outcomes, importer.source.shown, importer.registry.url, dry_run)
    if any(o.result == "failed" for o in outcomes):
        raise typer.Exit(EXIT_ERROR)
    if any(o.result == "conflict" or o.warnings for o in outcomes):
        raise typer.Exit(EXIT_REFUSED)


def _summary(outcomes: list[Any], source: str, target: str, dry_run: bool) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    title = escape(f"{'dry run: ' if dry_run else ''}MLflow {source} -> modelyard {target}")
    table = Table("model", "result", "versions", "stages", "aliases", "notes", title=title)
    for o in outcomes:
        notes = [*map(escape, o.notes), *(f"[yellow]{escape(w)}[/yellow]" for w in o.warnings)]
        table.add_row(
            escape(o.name),
            RESULTS[o.result],
            ", ".join(map(str, o.versions)) or "-",
            ", ".join(f"v{v} {s}" for v, s in sorted(o.stages.items())) or "-",
            ", ".join(f"{a} -> v{v}" for a, v in sorted(o.aliases.items())) or "-",
            "\n".join(notes) or "-",
        )
    console = Console()
    console.print(table)
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[RESULTS[o.result]] = counts.get(RESULTS[o.result], 0) + 1
    done = ", ".join(f"{n} {result}" for result, n in counts.items()) or "nothing to do"
    console.print(f"{len(outcomes)} model(s): {done}.", highlight=False)
