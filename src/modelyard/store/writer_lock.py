"""The write lock that SQLite writers of every process take before `BEGIN IMMEDIATE`.

SQLite lets one writer in at a time. A writer that finds the database locked by another process
waits in SQLite's busy handler, which sleeps in steps of up to 100 ms and tries again: under
concurrent writes from several server processes most of the time goes to those sleeps. Writers
take an advisory `flock` on a file beside the database first instead.

An exclusive `flock` cannot time out by itself, so a writer that finds it taken tries again.
For its first millisecond of waiting it only yields its core between tries: a registry write
holds the lock for a few hundred µs, and a sleep would cost the timer's ~50 µs of slack, the
lock idle between writers. After that it pauses 20 µs, doubling to at most 100 µs. It gives up
at the deadline with `Unavailable` (503, which clients retry). Processes that write without
this lock (other tools) are still ordered by SQLite itself, through its busy timeout.
"""

from __future__ import annotations

import fcntl
import os
import time
import weakref
from pathlib import Path

from modelyard.errors import Unavailable

_FIRST_PAUSE_S = 20e-6
_LONGEST_PAUSE_S = 100e-6
# Most writes hold the lock for well under a millisecond: for that long a waiter only yields its
# core between tries, and takes the lock within microseconds of its release.
_SPIN_S = 1e-3


class WriterLock:
    """An exclusive lock on `path`, shared by every process that opens the same file.

    Not for threads: each process uses one holder at a time (the unit of work orders its own
    threads first). The file is opened on first use, and opened anew in a forked child, which
    would otherwise share its parent's open file and so its lock.
    """

    def __init__(self, path: Path, *, timeout_s: float) -> None:
        self.path = path
        self.timeout_s = timeout_s
        self._fd: int | None = None
        _ALL.add(self)

    def acquire(self) -> None:
        """Takes the lock, waiting at most `timeout_s`, then raising `Unavailable`."""
        fd = self._file()
        if _try_lock(fd):
            return
        now = time.monotonic()
        deadline, spin_until = now + self.timeout_s, now + _SPIN_S
        pause = _FIRST_PAUSE_S
        while True:
            if now < spin_until:
                time.sleep(0)  # gives the core away without the timer's ~50 µs slack
            else:
                time.sleep(pause)
                pause = min(pause * 2, _LONGEST_PAUSE_S)
            if _try_lock(fd):
                return
            now = time.monotonic()
            if now >= deadline:
                raise Unavailable("The database is busy with another writer; retry the request.")

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self._fd = None

    def _file(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        return self._fd

    def _forget_parents_file(self) -> None:
        # The child's copy of the descriptor: closing it leaves the parent's open file (and any
        # lock the parent holds) alone.
        self.close()


_ALL: weakref.WeakSet[WriterLock] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for lock in list(_ALL):
        lock._forget_parents_file()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
