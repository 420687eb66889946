"""Where a route's service call runs: on the event loop for SQLite, whose calls take
microseconds; on the thread pool for PostgreSQL, whose calls wait on the network."""

from __future__ import annotations

import asyncio
import threading

from modelyard.api.deps import run_service
from modelyard.store.uow import UnitOfWork


def _thread_of_call(uow: UnitOfWork, *, offset: int) -> tuple[int, int]:
    with uow.read() as conn:
        one = conn.exec_driver_sql("SELECT 1").scalar_one()
    return threading.get_ident(), one + offset


def test_service_calls_run_on_the_loop_only_for_sqlite(uow: UnitOfWork) -> None:
    async def call() -> tuple[int, tuple[int, int]]:
        return threading.get_ident(), await run_service(_thread_of_call, uow, offset=1)

    loop_thread, (call_thread, result) = asyncio.run(call())
    assert result == 2
    if uow.dialect == "sqlite":
        assert uow.embedded
        assert call_thread == loop_thread
    else:
        assert not uow.embedded
        assert call_thread != loop_thread
