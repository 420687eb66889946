"""How long `modelyard --help` takes, from the command's start to its exit: the median wall time
over several runs (the target is under 0.5 s). The first run is a warm-up and not counted, so
the figure is for a warm file-system cache, as a user who runs the command twice sees.

    .venv/bin/python benchmarks/cli_startup.py            # 20 runs
    .venv/bin/python benchmarks/cli_startup.py --runs 50 --json /tmp/cli.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.5


def command() -> list[str]:
    # The console script of this Python's environment, as a user runs it; else `-m modelyard`.
    beside = Path(sys.executable).parent / "modelyard"
    return (
        [str(beside), "--help"]
        if beside.exists()
        else [sys.executable, "-m", "modelyard", "--help"]
    )


def run_once(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="measured runs (default 20)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    argv = command()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    run_once(argv, env)
    times = [run_once(argv, env) for _ in range(args.runs)]
    median = statistics.median(times)
    result = {
        "command": " ".join(argv),
        "runs": args.runs,
        "median_s": round(median, 4),
        "min_s": round(min(times), 4),
        "max_s": round(max(times), 4),
        "target_s": TARGET_S,
    }
    verdict = "under" if median < TARGET_S else "OVER"
    print(
        f"modelyard --help: median {median * 1000:.0f} ms over {args.runs} runs "
        f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}); {verdict} the "
        f"{TARGET_S * 1000:.0f} ms target"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
