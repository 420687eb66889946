"""Test helpers: waiting on conditions with deadlines, free ports, live servers."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import httpx

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T | None], *, timeout: float, interval: float = 0.05, what: str = ""
) -> T:
    """Poll `condition` until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(Exception):
            result = condition()
            if result:
                return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what or condition}")
        # Polling with a short pause; bounded by the deadline above.
        time.sleep(interval)  # noqa: TID251 - the one sanctioned pause, bounded by a deadline


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A real `modelyard server` process on a free port."""

    def __init__(
        self,
        *,
        data_dir: Path,
        database_url: str | None = None,
        workers: int = 1,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log_path = data_dir / "server.log"
        args = [sys.executable, "-m", "modelyard", "server", "--port", str(self.port)]
        args += ["--workers", str(workers), "--data-dir", str(data_dir)]
        if database_url:
            args += ["--database-url", database_url]
        args += extra_args
        data_dir.mkdir(parents=True, exist_ok=True)
        # The test's own MODELYARD_* variables never leak in; `env` adds the server's.
        environ = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
        environ.update(env or {})
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            args, stdout=self._log, stderr=subprocess.STDOUT, env=environ
        )

    def wait_ready(self, timeout: float = 30) -> None:
        def healthy() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200

        try:
            wait_until(healthy, timeout=timeout, what=f"{self.url}/health")
        except TimeoutError:
            raise TimeoutError(self.log_path.read_text()) from None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self._log.close()


@contextlib.contextmanager
def live_server(**kwargs: object) -> Iterator[LiveServer]:
    server = LiveServer(**kwargs)  # type: ignore[arg-type]
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
