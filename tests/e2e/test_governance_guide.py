"""The worked example at the top of docs/governance.md, run as written against a live server
(SQLite and PostgreSQL), so the guide cannot rot.

The section is read block by block, in order:
- ```python blocks run in one namespace, in this process, through the real mlflow client; a
  ```text block right after one lists lines its output must contain, in order (the mlflow
  client may print more, such as links to runs);
- ```yaml blocks whose first line is `# <file>` are written to that file;
- ```console blocks: each `$ command` runs in bash (the `modelyard` of this environment, with
  MODELYARD_URL and MLFLOW_TRACKING_URI set and alice as the local user); the lines after it are
  its whole output, stdout and stderr, compared with times masked and runs of spaces collapsed;
- ```bash blocks are shown only (starting the server).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pytest

from tests.helpers import LiveServer

pytestmark = [
    pytest.mark.e2e,
    # The guide uses stages as the MLflow docs' workflow does; the client warns they are
    # deprecated (the guide says so).
    pytest.mark.filterwarnings("ignore:.*Model registry stages will be removed:FutureWarning"),
]

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "governance.md"
SHOWN_URL = "http://127.0.0.1:5000"
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)
_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


@dataclass
class Step:
    kind: str  # python, file, command
    text: str
    expected: list[str]
    path: str = ""


def example_steps() -> list[Step]:
    """The steps of the `## A worked example` section, in order."""
    text = GUIDE.read_text()
    start = text.index("\n## A worked example\n")
    section = text[start : text.index("\n## ", start + 1)]
    blocks = [(m.group(1), m.group(2)) for m in _BLOCK.finditer(section)]
    steps: list[Step] = []
    for i, (lang, body) in enumerate(blocks):
        if lang == "python":
            follows = blocks[i + 1] if i + 1 < len(blocks) else ("", "")
            expected = follows[1].splitlines() if follows[0] == "text" else []
            steps.append(Step("python", body, [e for e in expected if e.strip()]))
        elif lang == "yaml" and body.startswith("# "):
            name = body.splitlines()[0][2:].strip()
            steps.append(Step("file", body, [], path=name))
        elif lang == "console":
            steps.extend(_commands(body))
    return steps


def _commands(body: str) -> list[Step]:
    steps: list[Step] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append(Step("command", line[2:], []))
        elif line.strip():
            steps[-1].expected.append(line)
    return steps


def normalized(lines: list[str]) -> list[str]:
    out = [" ".join(_TIME.sub("<time>", line).split()) for line in lines]
    return [line for line in out if line]


def _run_command(step: Step, server: LiveServer, cwd: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODELYARD_", "MLFLOW_"))}
    env.update(
        MODELYARD_URL=server.url,
        MLFLOW_TRACKING_URI=server.url,
        LOGNAME="alice",
        USER="alice",
        COLUMNS="100",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    done = subprocess.run(
        ["bash", "-c", step.text],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    return (done.stdout + done.stderr).replace(server.url, SHOWN_URL).splitlines()


def _run_python(step: Step, namespace: dict[str, object], server: LiveServer) -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(step.text.replace(SHOWN_URL, server.url), namespace)
    return out.getvalue().replace(server.url, SHOWN_URL).splitlines()


def _contains_in_order(actual: list[str], expected: list[str]) -> bool:
    rest = iter(actual)
    return all(any(line == want for line in rest) for want in expected)


@pytest.fixture
def mlflow_at(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.url)
    # set_experiment leaves the experiment id in the environment: restored after the test.
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)
    yield server
    mlflow.set_tracking_uri(None)


def test_the_section_has_every_step() -> None:
    steps = example_steps()
    kinds = [s.kind for s in steps]
    assert kinds.count("python") >= 5
    assert kinds.count("file") == 1
    assert kinds.count("command") >= 10
    commands = " ".join(s.text for s in steps if s.kind == "command")
    for needed in ("policy apply", "--check", "approvals request", "approvals approve", "rollback"):
        assert needed in commands


def test_the_worked_example_runs_as_written(mlflow_at: LiveServer, tmp_path: Path) -> None:
    namespace: dict[str, object] = {"__name__": "__main__"}
    for step in example_steps():
        if step.kind == "file":
            (tmp_path / step.path).write_text(step.text)
            continue
        if step.kind == "python":
            actual = normalized(_run_python(step, namespace, mlflow_at))
            expected = normalized(step.expected)
            assert _contains_in_order(actual, expected), (step.text, actual)
            continue
        actual = normalized(_run_command(step, mlflow_at, tmp_path))
        assert actual == normalized(step.expected), f"$ {step.text}\n" + "\n".join(actual)
