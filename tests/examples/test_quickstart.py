"""docs/quickstart.md works as written: its bash and python blocks run in order against a live
server, and each ```text block that follows one is found, line by line, in what it printed.

The blocks that install, start the server or run `modelyard demo` are left to the live server
fixture and tests/cli/test_demo.py; the environment they set up is given here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers import live_server

pytestmark = pytest.mark.e2e
QUICKSTART = Path(__file__).resolve().parents[2] / "docs" / "quickstart.md"
SET_UP_HERE = ("pip install", "modelyard demo", "modelyard server")


@dataclass
class Block:
    language: str
    code: str
    expected: str | None  # the ```text block right after it, if any


def _blocks() -> list[Block]:
    found = re.findall(r"```(\w+)\n(.*?)```", QUICKSTART.read_text(), re.DOTALL)
    blocks: list[Block] = []
    for language, code in found:
        if language == "text":
            assert blocks, "a text block with no command before it"
            blocks[-1].expected = code
        else:
            blocks.append(Block(language, code, None))
    return blocks


def _lines(text: str) -> list[str]:
    # Stripped: Rich centres a table's title with spaces that say nothing.
    return [line.strip() for line in text.splitlines() if line.strip()]


def _contains_in_order(output: str, expected: str) -> bool:
    lines = iter(_lines(output))
    return all(any(want == got for got in lines) for want in _lines(expected))


def test_the_quickstart_runs_as_written(tmp_path: Path) -> None:
    blocks = _blocks()
    skipped = [b for b in blocks if any(s in b.code for s in SET_UP_HERE)]
    assert len(skipped) == 3, [b.code for b in skipped]
    with live_server(data_dir=tmp_path / "server") as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MODELYARD_"))}
        env |= {
            "MLFLOW_TRACKING_URI": server.url,
            "MODELYARD_URL": server.url,
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
            "COLUMNS": "100",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        for n, block in enumerate(b for b in blocks if b not in skipped):
            if block.language == "python":
                script = tmp_path / f"step{n}.py"
                script.write_text(block.code)
                command = [sys.executable, str(script)]
            else:
                assert block.language == "bash", block.language
                command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", block.code]
            done = subprocess.run(
                command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, f"{block.code}\n{done.stdout}\n{done.stderr[-3000:]}"
            if block.expected is not None:
                assert _contains_in_order(done.stdout, block.expected), (
                    f"{block.code}\nprinted:\n{done.stdout}\nexpected:\n{block.expected}"
                )
        version = httpx.get(
            f"{server.url}/api/2.0/mlflow/model-versions/get",
            params={"name": "iris", "version": "1"},
        ).json()["model_version"]
    assert (version["current_stage"], version["aliases"]) == ("Production", ["champion"])
