"""Importing modelyard has no side effects: no settings read, no engine, no database file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "modelyard"


def test_importing_every_module_creates_nothing(tmp_path: Path) -> None:
    modules = sorted(
        "modelyard." + ".".join(p.relative_to(SRC).with_suffix("").parts)
        for p in SRC.rglob("*.py")
        if p.name != "__main__.py" and "migrations" not in p.parts
    )
    code = f"import importlib\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
