"""A version stays PENDING_REGISTRATION only while a server is copying its files.

Registration copies the source's files inside the create request. If that server process dies
meanwhile (killed, crashed, its machine gone), nothing would ever finish the version. So a
pending version carries a lease, `registration_expires`: the copier moves it forward while it
copies (at most every `HEARTBEAT_MS`), and every server process fails the versions whose lease
has ended, at start and then every `SWEEP_INTERVAL_S`, saying why in the status message.
Finishing a registration is conditional on the version still being pending, so a copier that
lost its lease cannot turn a failed version READY.
"""

from __future__ import annotations

from collections.abc import Callable

from modelyard.domain.events import MODEL_VERSION, SERVER, Target
from modelyard.domain.registry import FAILED_REGISTRATION
from modelyard.errors import Conflict
from modelyard.services import audit
from modelyard.services.common import now_ms
from modelyard.store import versions
from modelyard.store.uow import UnitOfWork

LEASE_MS = 120_000
HEARTBEAT_MS = 30_000
SWEEP_INTERVAL_S = 60.0
INTERRUPTED = (
    "The registration was interrupted: the server copying the version's files stopped before "
    "it finished. Register the version again."
)


def lease_end(now: int) -> int:
    return now + LEASE_MS


class Heartbeat:
    """Called while files are copied (every chunk); moves the lease forward now and then."""

    def __init__(self, uow: UnitOfWork, version_pk: int, clock: Callable[[], int] = now_ms):
        self._uow, self._pk, self._clock = uow, version_pk, clock
        self._last = clock()

    def __call__(self) -> None:
        now = self._clock()
        if now - self._last < HEARTBEAT_MS:
            return
        with self._uow.write() as conn:
            if not versions.extend_registration(conn, self._pk, lease_end(now)):
                # Its lease ended and a sweep failed it: stop copying.
                raise Conflict(INTERRUPTED)
        self._last = now


def fail_expired(uow: UnitOfWork, *, now: int | None = None) -> int:
    """Fails every pending version whose lease has ended; returns how many. Safe to run in
    any number of processes at once: each version is failed once, in one transaction with its
    audit event."""
    now = now_ms() if now is None else now
    with uow.read() as conn:
        if not versions.expired_registrations(conn, now):
            return 0  # the usual case, without taking the write lock
    failed = 0
    with uow.write() as conn:
        for row in versions.expired_registrations(conn, now, lock=True):
            if not versions.update_pending(
                conn,
                row.id,
                status=FAILED_REGISTRATION,
                status_message=INTERRUPTED,
                last_updated_time=now,
                registration_expires=None,
            ):
                continue
            audit.record(
                conn,
                SERVER,
                "model_version.finish_registration",
                Target(MODEL_VERSION, row.model_name, row.version),
                after={"status": FAILED_REGISTRATION, "files": 0, "lease_expired": True},
            )
            failed += 1
    return failed
