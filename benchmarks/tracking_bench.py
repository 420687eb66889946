"""Tracking benchmark: log-batch and search_runs, modelyard against MLflow on one machine.

The same harness as benchmarks/registry_bench.py (its server, CPU-accounting, wrk and report
helpers are imported from there): each server in turn, never both at once, on a fresh SQLite
file in a fresh temporary folder, with the same worker count and the same wrk load. The data,
created through the REST API: experiment `bench-search` with --runs runs, each with three
metrics (`test_f1` among them, the same pseudo-random values on both servers), three params
and two tags; experiment `bench-logging` with the few runs the log-batch load writes to.

    python benchmarks/tracking_bench.py [--only both] [--workers 2] [--duration 10]
                                        [--runs 5000] [--json out.json]

Only 127.0.0.1 is contacted; every wrk run is bounded by --duration.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from itertools import pairwise, repeat
from pathlib import Path
from typing import Any

from registry_bench import (
    API,
    CONCURRENCIES,
    HOST,
    SEED_PROCESSES,
    Server,
    _check,
    _measure_all,
    by_key,
    call,
    common_parser,
    free_port,
    parse_checked,
    ratio,
    run,
    send,
    server_command,
    table,
    wait_for_quiet,
    wait_until_idle,
)

SEARCH_EXPERIMENT = "bench-search"
LOGGING_EXPERIMENT = "bench-logging"
LOGGING_RUNS = 4  # the log-batch load goes round these runs
BATCH_METRICS = 1000  # MLflow's limit for one log-batch request
ORDER_BY = ["metrics.test_f1 DESC"]
LOG_BATCH = f"log-batch {BATCH_METRICS} metrics"
BEST_RUN = "search best run (1)"
SEARCH_PAGE = "search page of 100"


def run_values(index: int) -> dict[str, Any]:
    """Run `index`'s metrics, params and tags: the same on both servers."""
    rng = random.Random(index)
    timestamp = 1_700_000_000_000 + index
    metrics = [
        {"key": key, "value": rng.random(), "timestamp": timestamp, "step": 0}
        for key in ("test_f1", "accuracy", "loss")
    ]
    params = [
        {"key": "learning_rate", "value": str(rng.choice([0.001, 0.01, 0.1]))},
        {"key": "max_depth", "value": str(rng.randint(2, 12))},
        {"key": "seed", "value": str(index)},
    ]
    tags = [
        {"key": "team", "value": rng.choice(["fraud", "churn"])},
        {"key": "bench", "value": "1"},
    ]
    return {"metrics": metrics, "params": params, "tags": tags}


# --- data ---------------------------------------------------------------------------------


def _post(conn: http.client.HTTPConnection, path: str, body: dict[str, Any]) -> tuple[Any, int]:
    """POST on a keep-alive connection; a busy SQLite (5xx on either server) is tried again."""
    for retries in range(200):
        status, data = send(conn, "POST", f"{API}/{path}", body)
        if status == 200:
            return json.loads(data), retries
        if status < 500:
            raise RuntimeError(f"{path} answered {status}: {data[:300]!r}")
        time.sleep(0.05)
    raise RuntimeError(f"{path} still busy after 200 tries")


def create_run(conn: http.client.HTTPConnection, experiment_id: str, name: str) -> tuple[str, int]:
    body = {"experiment_id": experiment_id, "run_name": name, "start_time": int(time.time() * 1000)}
    answer, retries = _post(conn, "runs/create", body)
    return str(answer["run"]["info"]["run_id"]), retries


def _seed_runs(port: int, experiment_id: str, indexes: range) -> int:
    """In a seeding process: creates the runs numbered `indexes`; returns the retried calls."""
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    retried = 0
    for index in indexes:
        run_id, retries = create_run(conn, experiment_id, f"run-{index}")
        retried += (
            retries + _post(conn, "runs/log-batch", {"run_id": run_id, **run_values(index)})[1]
        )
    conn.close()
    return retried


def create_experiment(port: int, name: str) -> str:
    return str(call(port, "POST", f"{API}/experiments/create", {"name": name})["experiment_id"])


def seed(port: int, runs: int) -> tuple[str, float]:
    """Creates the search experiment's runs; returns its id and runs created per second."""
    experiment_id = create_experiment(port, SEARCH_EXPERIMENT)
    bounds = [runs * i // SEED_PROCESSES for i in range(SEED_PROCESSES + 1)]
    shares = [range(a, b) for a, b in pairwise(bounds)]
    started = time.perf_counter()
    with ProcessPoolExecutor(SEED_PROCESSES) as pool:
        retried = sum(pool.map(_seed_runs, repeat(port), repeat(experiment_id), shares))
    elapsed = time.perf_counter() - started
    print(f"  seeded {runs} runs in {elapsed:.1f} s ({retried} retried calls)", flush=True)
    return experiment_id, runs / elapsed


def check_search(port: int, experiment_id: str, runs: int) -> None:
    """Both servers must find the same best run before their speed is worth comparing."""
    best = max(run_values(i)["metrics"][0]["value"] for i in range(runs))
    body = {"experiment_ids": [experiment_id], "order_by": ORDER_BY, "max_results": 1}
    found = call(port, "POST", f"{API}/runs/search", body)["runs"]
    f1 = {m["key"]: m["value"] for m in found[0]["data"]["metrics"]}["test_f1"]
    if abs(f1 - best) > 1e-12:
        raise RuntimeError(f"the best run has test_f1={f1}, expected {best}")


def batch_bodies(port: int, path: Path) -> None:
    """One log-batch body a run of `bench-logging`, its steps left as `{n}` for wrk to fill."""
    experiment_id = create_experiment(port, LOGGING_EXPERIMENT)
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    lines = []
    for i in range(LOGGING_RUNS):
        run_id = create_run(conn, experiment_id, f"logging-{i}")[0]
        metrics = [
            {"key": f"metric_{k:04d}", "value": k / 7, "timestamp": 1_700_000_000_000, "step": "N"}
            for k in range(BATCH_METRICS)
        ]
        lines.append(json.dumps({"run_id": run_id, "metrics": metrics}).replace('"N"', "{n}"))
    conn.close()
    path.write_text("\n".join(lines) + "\n")


# --- load ---------------------------------------------------------------------------------


def operations(experiment_id: str, bodies_file: Path) -> list[tuple[str, list[str]]]:
    """(name, arguments for benchmarks/wrk/registry.lua) for each measured operation."""

    def search(max_results: int) -> list[str]:
        body = {"experiment_ids": [experiment_id], "order_by": ORDER_BY}
        body["max_results"] = max_results
        return ["fixed", "POST", f"{API}/runs/search", json.dumps(body)]

    log_batch = ["template", "POST", f"{API}/runs/log-batch", str(bodies_file)]
    return [(BEST_RUN, search(1)), (SEARCH_PAGE, search(100)), (LOG_BATCH, log_batch)]


def bench_server(name: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    data_dir = workdir / name
    data_dir.mkdir()
    port = free_port()
    server = Server(server_command(name, port, args.workers, data_dir), port, data_dir / "log")
    if not wait_for_quiet(args.quiet_wait):
        print(f"  the machine is busy with other work; {name}'s figures may suffer", flush=True)
    print(f"{name}: {' '.join(server.command)}", flush=True)
    try:
        startup = server.start()
        experiment_id, seed_rate = seed(port, args.runs)
        check_search(port, experiment_id, args.runs)
        bodies_file = data_dir / "batches.jsonl"
        batch_bodies(port, bodies_file)
        idle_wait = wait_until_idle(server.session)
        results = list(_measure_all(server, args, operations(experiment_id, bodies_file)))
    finally:
        server.stop()
    return {
        "command": server.command,
        "startup_s": startup,
        "seed_runs_per_s": seed_rate,
        "idle_wait_s": idle_wait,
        "measurements": [asdict(m) for m in results],
    }


# --- report -------------------------------------------------------------------------------


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's target: at least 10x MLflow's throughput (judged at concurrency 8)."""
    return [
        _check(f"{operation} c={concurrency}: >= 10x MLflow", ratio(report, key), 10, "x")
        for key in by_key(report, "modelyard")
        for operation, concurrency in [key]
        if concurrency == max(CONCURRENCIES)
    ]


def metrics_per_s(report: dict[str, Any]) -> list[str]:
    lines = []
    for server in report["servers"]:
        for (operation, concurrency), m in by_key(report, server).items():
            if operation == LOG_BATCH:
                rate = m["ops_per_s"] * BATCH_METRICS
                lines.append(f"  {server:<10} c={concurrency}: {rate:12,.0f} metrics/s")
    return lines


def print_report(report: dict[str, Any]) -> None:
    facts, settings = report["machine"], report["settings"]
    print(
        f"\n{facts['nproc']} CPUs ({facts['cpu_model']}), Python {facts['python']}, "
        f"SQLite {facts['sqlite']}, modelyard {facts['modelyard']}, mlflow {facts['mlflow']}, "
        f"{settings['workers']} workers, {settings['runs']} runs, "
        f"{settings['duration']} s per measurement\n"
    )
    print(table(report))
    print("\nlog-batch throughput in metrics:")
    print("\n".join(metrics_per_s(report)))
    print()
    for check in report["targets"]:
        verdict = {True: "MET", False: "MISSED", None: "not measured"}[check["met"]]
        print(f"  {verdict:<12} {check['target']} ({check['shown']})")


# --- command line -------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = common_parser(__doc__ or "", "--runs", 5000, "runs that search_runs orders")
    args = parse_checked(parser, argv, "runs")
    return run(args, "tracking-bench-", bench_server, targets, print_report)


if __name__ == "__main__":
    sys.exit(main())
