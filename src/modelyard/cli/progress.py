"""Rich progress bars for commands that move bytes, drawn on stderr so that stdout (`--json`)
stays clean for scripts, and only when stderr is a terminal. Rich is imported when a bar is
made, not when the CLI starts."""

from __future__ import annotations

from typing import Any


def byte_progress() -> Any:
    """A `rich.progress.Progress` showing bytes done, total, speed and time left. A task added
    with `bytes=False` (a step that moves no bytes) shows only its description and bar."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )
    from rich.text import Text

    class WhenBytes(ProgressColumn):
        def __init__(self, inner: ProgressColumn) -> None:
            super().__init__()
            self.inner = inner

        def render(self, task: Task) -> Any:
            return self.inner.render(task) if task.fields.get("bytes", True) else Text("")

    console = Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        WhenBytes(DownloadColumn()),
        WhenBytes(TransferSpeedColumn()),
        WhenBytes(TimeRemainingColumn()),
        console=console,
        # Bars are for people at a terminal; a CI log gets the summary lines only.
        disable=not console.is_terminal,
    )
