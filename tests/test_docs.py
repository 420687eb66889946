"""The user docs name every setting, CLI command and limit the code has."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer.main

from modelyard.cli.main import app as cli_app
from modelyard.config import Settings
from modelyard.domain import aliases, names, pagination

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _text(name: str) -> str:
    return (DOCS / name).read_text()


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_and_its_variable_is_in_configuration_md(field: str) -> None:
    doc = _text("configuration.md")
    assert f"`{field}`" in doc
    assert f"`MODELYARD_{field.upper()}`" in doc


def _commands(command: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(`modelyard db upgrade`, command) for the app and every (sub)command under it.

    Duck-typed: typer's commands are click's, or its vendored copy of click in newer versions.
    """
    yield path, command
    for name, sub in (getattr(command, "commands", None) or {}).items():
        yield from _commands(sub, f"{path} {name}")


COMMANDS = dict(_commands(typer.main.get_command(cli_app), "modelyard"))


def test_the_cli_walk_finds_the_commands() -> None:
    assert {"modelyard server", "modelyard db upgrade", "modelyard version"} <= set(COMMANDS)


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_cli_command_and_option_is_in_cli_md(path: str) -> None:
    doc = _text("cli.md")
    assert re.search(rf"^#+ {re.escape(path)}$", doc, re.M), f"no section for `{path}`"
    for param in COMMANDS[path].params:
        for option in [*param.opts, *getattr(param, "secondary_opts", [])]:
            if option.startswith("-"):
                assert f"`{option}" in doc, f"{path}: option {option} is not documented"


def _limits(module: ModuleType) -> Iterator[tuple[str, int]]:
    for name, value in vars(module).items():
        if name.isupper() and not name.startswith("_") and type(value) is int:
            yield name, value


LIMITS = [(m.__name__, n, v) for m in (names, aliases, pagination) for n, v in _limits(m)]


def test_the_limits_are_found() -> None:
    assert len(LIMITS) >= 10


@pytest.mark.parametrize(("module", "name", "value"), LIMITS)
def test_every_limit_is_in_limits_md(module: str, name: str, value: int) -> None:
    """The constant's name and its value, with or without thousands separators, on one line."""
    lines = [line for line in _text("limits.md").splitlines() if f"`{name}`" in line]
    assert lines, f"{module}.{name} is not in docs/limits.md"
    numbers = {n.replace(",", "") for line in lines for n in re.findall(r"\d[\d,]*", line)}
    assert str(value) in numbers, f"{module}.{name} = {value:,} but docs/limits.md says otherwise"
