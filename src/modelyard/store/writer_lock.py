"""The write lock that SQLite writers of every process take before `BEGIN IMMEDIATE`.

SQLite lets one writer in at a time. A writer that finds the database locked by another process
waits in SQLite's busy handler, which sleeps in steps of up to 100 ms and tries again: under
concurrent writes from several server processes most of the time goes to those sleeps. An
advisory `flock` on a file beside the database queues the writers of every process on the
kernel instead, which hands the lock over within microseconds of its release.

The wait is bounded. An exclusive `flock` cannot time out by itself, so a blocked writer polls
with a short, growing pause (50 µs doubling to at most 1 ms) until the deadline, then gives up
with `Unavailable` (503, which clients retry). Processes that write without this lock (older
servers, other tools) are still ordered by SQLite itself, through its busy timeout.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from modelyard.errors import Unavailable

_FIRST_PAUSE_S = 50e-6
_LONGEST_PAUSE_S = 1e-3


class WriterLock:
    """An exclusive lock on `path`, shared by every process that opens the same file.

    Not for threads: each process uses one holder at a time (the unit of work orders its own
    threads first). The file is opened on first use in each process, so a forked child never
    shares its parent's open file, which would make the two one holder.
    """

    def __init__(self, path: Path, *, timeout_s: float) -> None:
        self.path = path
        self.timeout_s = timeout_s
        self._fd: int | None = None
        self._pid = 0

    def acquire(self) -> None:
        fd = self._file()
        if _try_lock(fd):
            return
        deadline = time.monotonic() + self.timeout_s
        pause = _FIRST_PAUSE_S
        while True:
            time.sleep(pause)
            if _try_lock(fd):
                return
            if time.monotonic() >= deadline:
                raise Unavailable("The database is busy with another writer; retry the request.")
            pause = min(pause * 2, _LONGEST_PAUSE_S)

    def release(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            self._pid = os.getpid()
        return self._fd


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
