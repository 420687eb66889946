"""Artifact proxy: throughput and server memory, modelyard vs `mlflow server --serve-artifacts`.

Starts each server in turn (same machine, fresh temp folders, local artifact storage), uploads
one large file through it with a streaming httpx client (`PUT /api/2.0/mlflow-artifacts/...`),
downloads it back and checks its sha256, and samples the resident memory (VmRSS) of the server
process and all its children every 20 ms. Reports MiB/s each way and peak RSS growth over the
idle server's RSS.

    .venv/bin/python benchmarks/artifacts_bench.py --size 2GiB [--json out.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

MiB = 1024 * 1024
CHUNK = MiB
BIN = Path(sys.executable).parent


@dataclass
class Result:
    server: str
    size_mib: float
    upload_mib_s: float
    download_mib_s: float
    idle_rss_mib: float
    peak_rss_growth_mib: float


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(k|m|g)?i?b?", text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 2GiB, 512MiB)")
    factor = {"k": 1024, "m": MiB, "g": 1024 * MiB, None: 1}[match.group(2)]
    return int(float(match.group(1)) * factor)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_command(name: str, port: int, folder: Path) -> list[str]:
    if name == "modelyard":
        return [str(BIN / "modelyard"), "server", "--port", str(port), "--data-dir", str(folder)]
    return [
        str(BIN / "mlflow"),
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--backend-store-uri",
        f"sqlite:///{folder}/mlflow.db",
        "--serve-artifacts",
        "--artifacts-destination",
        str(folder / "mlartifacts"),
    ]


def tree_rss_bytes(pid: int) -> int:
    """VmRSS of `pid` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self._stop_event.wait(0.02)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


def payload(size: int) -> Iterator[bytes]:
    """Deterministic, incompressible-looking bytes without a file on disk."""
    block = hashlib.sha256(b"modelyard").digest() * (CHUNK // 32)
    counter = 0
    sent = 0
    while sent < size:
        piece = bytearray(block[: min(CHUNK, size - sent)])
        piece[:8] = counter.to_bytes(8, "big")[: len(piece[:8])]
        counter += 1
        sent += len(piece)
        yield bytes(piece)


def expected_sha256(size: int) -> str:
    digest = hashlib.sha256()
    for piece in payload(size):
        digest.update(piece)
    return digest.hexdigest()


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not become ready")


def measure(name: str, size: int, digest: str) -> Result:
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
        folder = Path(tmp)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = (folder / "server.log").open("wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MODELYARD_", "MLFLOW_"))}
        process = subprocess.Popen(
            server_command(name, port, folder), stdout=log, stderr=subprocess.STDOUT, env=env
        )
        try:
            wait_ready(url, process)
            time.sleep(1)  # let the idle server settle before the baseline
            idle = tree_rss_bytes(process.pid)
            sampler = RssSampler(process.pid)
            sampler.start()
            target = f"{url}/api/2.0/mlflow-artifacts/artifacts/0/bench/artifacts/big.bin"
            with httpx.Client(timeout=600) as client:
                start = time.perf_counter()
                response = client.put(target, content=payload(size))
                upload_s = time.perf_counter() - start
                response.raise_for_status()
                received = hashlib.sha256()
                start = time.perf_counter()
                with client.stream("GET", target) as download:
                    download.raise_for_status()
                    for piece in download.iter_bytes(CHUNK):
                        received.update(piece)
                download_s = time.perf_counter() - start
            peak = sampler.stop()
            if received.hexdigest() != digest:
                raise RuntimeError(f"{name}: the downloaded bytes differ from the uploaded ones")
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
    return Result(
        server=name,
        size_mib=size / MiB,
        upload_mib_s=size / MiB / upload_s,
        download_mib_s=size / MiB / download_s,
        idle_rss_mib=idle / MiB,
        peak_rss_growth_mib=max(0, peak - idle) / MiB,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=parse_size, default=parse_size("2GiB"))
    parser.add_argument("--servers", default="modelyard,mlflow", help="comma-separated")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    digest = expected_sha256(args.size)
    results = [measure(name, args.size, digest) for name in args.servers.split(",")]
    print(f"\nArtifact proxy, one {args.size / MiB:,.0f} MiB file, local storage, 1 worker each\n")
    header = f"{'server':<10} {'upload MiB/s':>13} {'download MiB/s':>15} {'idle RSS MiB':>13}"
    print(f"{header} {'peak RSS growth MiB':>20}")
    for r in results:
        print(
            f"{r.server:<10} {r.upload_mib_s:>13.1f} {r.download_mib_s:>15.1f} "
            f"{r.idle_rss_mib:>13.1f} {r.peak_rss_growth_mib:>20.1f}"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
