"""The `Commands:` summary under `## modelyard` in docs/cli.md names every command and
subcommand (tests/test_docs.py checks each has its own section and options)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_docs import COMMANDS

CLI_MD = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _summary() -> str:
    text = CLI_MD.read_text()
    section = text[text.index("\n## modelyard\n") : text.index("\n## modelyard ")]
    return " ".join(section[section.index("Commands:") :].split())


@pytest.mark.parametrize("path", sorted(p for p in COMMANDS if p != "modelyard"))
def test_the_summary_lists_the_command(path: str) -> None:
    name = path.removeprefix("modelyard ")
    assert re.search(rf"`{re.escape(name)}`", _summary()), f"`{name}` is not in the summary"
