"""The cross-process writer lock of SQLite databases: writers of every process queue on it, a
bounded wait ends in 503 with nothing written, and readers never wait for it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.config import Settings
from modelyard.errors import Unavailable
from modelyard.services import registry
from modelyard.services.system import open_unit_of_work
from modelyard.store.writer_lock import WriterLock

# Takes the lock on the file named by argv[1], says so, and holds it until stdin closes.
_HOLDER = """
import fcntl, sys
with open(sys.argv[1], "a") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    print("locked", flush=True)
    sys.stdin.read()
"""


@contextlib.contextmanager
def _held(path: Path) -> Iterator[subprocess.Popen[str]]:
    """`path` locked by another process until its stdin closes (at the latest, on leaving)."""
    with subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdin is not None
        try:
            assert holder.stdout.readline().strip() == "locked"
            yield holder
        finally:
            if not holder.stdin.closed:
                holder.stdin.close()
            holder.wait(timeout=30)


@pytest.fixture
def held_by_other_process(tmp_path: Path) -> Iterator[Path]:
    """The lock file of `tmp_path/modelyard.db`, held by another process for the test's length."""
    path = tmp_path / "modelyard.db-writer.lock"
    with _held(path):
        yield path


def test_a_held_lock_makes_the_next_holder_wait_then_give_up(held_by_other_process: Path) -> None:
    lock = WriterLock(held_by_other_process, timeout_s=0.05)
    with pytest.raises(Unavailable, match="busy with another writer"):
        lock.acquire()
    lock.close()


def test_the_lock_is_taken_once_the_other_process_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "modelyard.db-writer.lock"
    lock = WriterLock(path, timeout_s=30)
    with _held(path) as holder:
        assert holder.stdin is not None
        holder.stdin.close()  # the holder exits, and the kernel drops its lock
        lock.acquire()
        lock.release()
        assert holder.wait(timeout=30) == 0
    lock.close()


def test_two_holders_in_one_process_exclude_each_other(tmp_path: Path) -> None:
    # Each opens the file itself, so each is a holder of its own, as two processes are.
    first = WriterLock(tmp_path / "x.lock", timeout_s=0.05)
    second = WriterLock(tmp_path / "x.lock", timeout_s=0.05)
    first.acquire()
    with pytest.raises(Unavailable, match="busy with another writer"):
        second.acquire()
    first.release()
    second.acquire()
    second.release()
    first.close()
    second.close()


def test_sqlite_writes_wait_for_other_processes_and_answer_503(
    sqlite_url: str, tmp_path: Path
) -> None:
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    lock_path = Path(f"{database}-writer.lock")
    settings = Settings(database_url=sqlite_url, data_dir=tmp_path, sqlite_busy_timeout_ms=50)
    uow = open_unit_of_work(settings)
    registry.create_registered_model(uow, name="before")
    with _held(lock_path):
        with pytest.raises(Unavailable, match="busy with another writer") as refused:
            registry.create_registered_model(uow, name="while-locked")
        assert refused.value.http_status == 503
        # Readers do not wait for writers.
        assert registry.get_registered_model(uow, name="before").name == "before"
    registry.create_registered_model(uow, name="after")
    names = {m.name for m in registry.search_registered_models(uow).items}
    assert names == {"before", "after"}
    uow.dispose()


def test_only_file_databases_get_a_lock_file(tmp_path: Path) -> None:
    memory = open_unit_of_work(Settings(database_url="sqlite://", data_dir=tmp_path))
    assert memory.embedded
    memory.dispose()
    assert not list(tmp_path.glob("*.lock"))


def test_a_forked_child_is_a_holder_of_its_own(tmp_path: Path) -> None:
    lock = WriterLock(tmp_path / "x.lock", timeout_s=0.05)
    lock.acquire()
    pid = os.fork()
    if pid == 0:  # the child: the parent's lock must keep it out
        try:
            lock.acquire()
        except Unavailable:
            os._exit(0)
        os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    lock.release()
    lock.close()
