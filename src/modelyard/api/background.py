"""Work a server process does by itself while it runs: failing registrations whose server
stopped mid-copy (services/registration_leases.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from modelyard.services import registration_leases
from modelyard.services.system import UnitOfWork

log = logging.getLogger(__name__)


async def sweep_registrations(
    uow: UnitOfWork,
    stop: asyncio.Event,
    interval_s: float = registration_leases.SWEEP_INTERVAL_S,
) -> None:
    """At start, then every `interval_s`, until `stop` is set. A sweep in progress runs to its
    end (it holds a connection that shutting down would otherwise pull away). A failed sweep
    (the database away for a moment) is logged and tried again next time."""
    while not stop.is_set():
        try:
            failed = await asyncio.to_thread(registration_leases.fail_expired, uow)
        except Exception:
            log.warning("Could not check for interrupted registrations.", exc_info=True)
        else:
            if failed:
                log.warning("Failed %d registration(s) interrupted by a stopped server.", failed)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)
