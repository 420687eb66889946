"""`modelyard demo`: the whole registry lifecycle with real models, narrated, in under a minute.

By default it starts its own server (SQLite and artifacts in a temporary folder, a free loopback
port) and stops it at the end; `--url` uses a running server instead. The story itself is in
`demo_story.py`; mlflow and scikit-learn are imported only when the command runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

SERVER_START_TIMEOUT = 60.0


def demo(
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="Use this running server (e.g. http://127.0.0.1:5000) instead of starting one. "
            "The demo adds a model and its policy there.",
        ),
    ] = None,
    keep: Annotated[
        bool,
        typer.Option("--keep", help="Leave the demo's server running afterwards, to explore."),
    ] = False,
    model: Annotated[
        str, typer.Option("--model", help="Registered model name (made unique if taken).")
    ] = "breast-cancer",
) -> None:
    """Walk through the registry lifecycle with two real scikit-learn models.

    Train, log and register with mlflow, apply a promotion policy, watch it block the weaker
    model, promote the better one through Staging and an approval, set champion and challenger
    aliases, load and predict, roll back, and read the lineage and the audit trail.

    Examples:
      modelyard demo
      modelyard demo --keep
      modelyard demo --url http://127.0.0.1:5000
    """
    try:
        import mlflow  # noqa: F401 - only to fail early, with a clear message
        import sklearn  # type: ignore[import-untyped]  # noqa: F401
    except ImportError as e:
        typer.echo(
            f"error: `modelyard demo` needs mlflow and scikit-learn ({e.name} is missing): "
            "pip install 'modelyard[demo]'",
            err=True,
        )
        raise typer.Exit(2) from None
    from rich.console import Console

    from modelyard.cli.demo_story import DemoError, run_story

    console = Console(highlight=False)
    started = time.monotonic()
    try:
        with _server(url, keep=keep, console=console) as server_url:
            name = run_story(console, server_url, model)
            console.rule("[bold]Done")
            console.print(f"The whole lifecycle took {time.monotonic() - started:.0f} s.")
            _where_next(console, server_url, name, kept=keep or url is not None)
    except DemoError as e:
        typer.secho(f"error: {e}", fg="red", err=True)
        raise typer.Exit(2) from None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def _server(url: str | None, *, keep: bool, console: Console) -> Iterator[str]:
    """The server the story talks to: `url`, or a new embedded one (stopped unless `keep`)."""
    from modelyard.cli.demo_story import DemoError

    if url is not None:
        url = url.rstrip("/")
        if not _healthy(url):
            raise DemoError(f"no modelyard server answers at {url}/health")
        console.print(f"Using the server at [bold]{url}[/].")
        yield url
        return
    data_dir = Path(tempfile.mkdtemp(prefix="modelyard-demo-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-m", "modelyard", "server", "--host", "127.0.0.1"]
    args += ["--port", str(port), "--workers", "1", "--data-dir", str(data_dir)]
    # The user's MODELYARD_* settings (a production database, say) must not reach the demo.
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        # Its own session: Ctrl-C on the demo does not kill a server left running with --keep.
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        _wait_ready(process, url, log_path)
        console.print(
            f"Started a modelyard server at [bold]{url}[/] "
            f"(SQLite and artifacts in {data_dir}, pid {process.pid})."
        )
        yield url
    except BaseException:
        keep = False  # a failed demo leaves nothing behind
        raise
    finally:
        if keep:
            console.print(
                f"\nThe server keeps running at [bold]{url}[/] (pid {process.pid}); "
                f"data in {data_dir}. Stop it with: kill {process.pid}"
            )
        else:
            _stop(process)
            shutil.rmtree(data_dir, ignore_errors=True)
            console.print("\nStopped the demo server and removed its folder.")


def _wait_ready(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    from modelyard.cli.demo_story import DemoError

    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while not _healthy(url):
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise DemoError(f"the demo server exited at start:\n{tail}")
        if time.monotonic() > deadline:
            _stop(process)
            raise DemoError(f"the demo server did not answer within {SERVER_START_TIMEOUT:.0f} s")
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def _where_next(console: Console, url: str, name: str, *, kept: bool) -> None:
    console.print("\n[bold]Where to look next[/]")
    if kept:
        console.print(f"  export MODELYARD_URL={url} MLFLOW_TRACKING_URI={url}")
        for command in (
            f"modelyard audit list --model {name}",
            f"modelyard lineage {name} 2",
            f"modelyard compare {name} 1 2",
            f"modelyard history {name} --alias champion",
        ):
            console.print(f"  {command}")
    else:
        console.print("  modelyard demo --keep      # the same, and the server stays up to explore")
    console.print("  docs/quickstart.md         # your own model, from nothing to Production")
    console.print("  examples/                  # one runnable script per registry workflow")
    console.print("  docs/governance.md         # policies, approvals, audit, rollback")
    console.print("  docs/ci.md                 # gate promotions in a CI/CD pipeline")
