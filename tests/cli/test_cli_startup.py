"""`modelyard --help` stays quick because the CLI imports its heavy libraries inside the
commands. A structural check, not a timing test (benchmarks/cli_startup.py measures the time):
a fresh interpreter imports modelyard.cli.main, and none of them may be loaded then."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = [
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "pydantic",
    "pydantic_settings",
    "httpx",
    "rich",
    "yaml",
    "boto3",
    "mlflow",
    "sklearn",
    "numpy",
    "pandas",
]


def test_importing_the_cli_loads_no_heavy_module() -> None:
    code = "import json, sys, modelyard.cli.main; print(json.dumps(sorted(sys.modules)))"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    loaded = {name.split(".")[0] for name in json.loads(done.stdout)}
    assert "typer" in loaded  # the check sees what the CLI imports
    assert sorted(loaded & set(HEAVY)) == []
