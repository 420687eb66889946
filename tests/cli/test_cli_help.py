"""Every command's `--help` works and ends with an example, and the commands that talk to a
server take `--url` the same way (MODELYARD_URL)."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from modelyard.cli.main import app
from tests.test_docs import COMMANDS

LEAVES = sorted(p for p, c in COMMANDS.items() if not getattr(c, "commands", None))
# Commands whose --url means something else, and why.
OWN_URL = {"modelyard demo": "--url opts in to a running server; without it the demo starts one"}


def test_the_walk_finds_the_new_commands() -> None:
    assert {"modelyard download", "modelyard upload", "modelyard import mlflow"} <= set(LEAVES)


@pytest.mark.parametrize("path", LEAVES)
def test_help_shows_an_example(path: str) -> None:
    done = CliRunner().invoke(app, [*path.split()[1:], "--help"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    example = done.output[done.output.find("Example") :]
    assert "Example" in done.output, f"`{path} --help` shows no example"
    assert f"{path} " in " ".join(example.split()), f"`{path} --help`: the example does not run it"


def _url_option(command: Any) -> Any:
    return next((p for p in command.params if "--url" in p.opts), None)


TALKING = [p for p in LEAVES if _url_option(COMMANDS[p]) is not None and p not in OWN_URL]


def test_most_commands_talk_to_a_server() -> None:
    assert {"modelyard promote", "modelyard download", "modelyard import mlflow"} <= set(TALKING)


@pytest.mark.parametrize("path", TALKING)
def test_url_reads_modelyard_url(path: str) -> None:
    assert _url_option(COMMANDS[path]).envvar == "MODELYARD_URL"
