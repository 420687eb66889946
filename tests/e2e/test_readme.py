"""The README's quickstart works as written, against a live server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import live_server

pytestmark = pytest.mark.e2e
README = Path(__file__).resolve().parents[2] / "README.md"


def _quickstart() -> str:
    text = README.read_text()
    section = text[text.index("## Quickstart") :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "README's quickstart has no python block"
    return match.group(1)


def test_readme_quickstart_runs_against_a_live_server(tmp_path: Path) -> None:
    script = tmp_path / "quickstart.py"
    script.write_text(_quickstart())
    with live_server(data_dir=tmp_path / "server") as server:
        # A fresh shell's environment: other tests' mlflow state (an active experiment id) is
        # left out.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MODELYARD_"))}
        env |= {"MLFLOW_TRACKING_URI": server.url, "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"}
        done = subprocess.run(
            [sys.executable, str(script)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[0 0 0]", done.stdout
