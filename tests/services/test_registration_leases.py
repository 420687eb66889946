"""A version whose server stopped while copying its files does not stay PENDING_REGISTRATION
for ever: its lease ends and a sweep fails it, saying why; a copier that lost its lease cannot
make it READY afterwards."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from modelyard.artifacts.local import LocalArtifactStore
from modelyard.config import Settings
from modelyard.domain.events import SERVER
from modelyard.domain.registry import FAILED_REGISTRATION, PENDING_REGISTRATION, READY
from modelyard.services import audit, registration_leases, registry, runs, version_files, versions
from modelyard.store.tables import model_version_files, model_versions
from modelyard.store.uow import UnitOfWork


class _ServerStopped(BaseException):
    """Stands for the process dying."""


@pytest.fixture
def store(settings: Settings) -> Iterator[LocalArtifactStore]:
    local = LocalArtifactStore(settings.resolved_artifacts())
    yield local
    local.close()


@pytest.fixture
def source(uow: UnitOfWork, store: LocalArtifactStore) -> str:
    registry.create_registered_model(uow, name="churn")
    run = runs.create_run(uow, experiment_id="0")
    root = run.info.artifact_uri.removeprefix("mlflow-artifacts:/")
    store.write(f"{root}/model/MLmodel", [b"flavors: {}\n"])
    store.write(f"{root}/model/model.pkl", [b"x" * 100_000])
    return f"runs:/{run.info.run_id}/model"


def _register(uow: UnitOfWork, store: LocalArtifactStore, source: str) -> Any:
    return versions.create_model_version(uow, name="churn", source=source, artifacts=store)


def _row(uow: UnitOfWork) -> Any:
    with uow.read() as conn:
        return conn.execute(sa.select(model_versions)).one()


def _finish_events(uow: UnitOfWork) -> list[tuple[str, Any]]:
    events = audit.list_events(uow, action="model_version.finish_registration")
    return [(e.actor, json.loads(e.after or "null")) for e in events.items]


def _copy_then(
    monkeypatch: pytest.MonkeyPatch, before: Callable[[], None], after: Callable[[], None]
) -> None:
    copy = version_files.copy_files

    def copy_around(*args: Any) -> Any:
        before()
        files = copy(*args)
        after()
        return files

    monkeypatch.setattr(version_files, "copy_files", copy_around)


def test_a_registration_whose_server_stopped_fails_when_its_lease_ends(
    uow: UnitOfWork, store: LocalArtifactStore, source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stop(*_: Any, **__: Any) -> None:
        raise _ServerStopped("killed mid-copy")

    # The process dies once the pending version is committed, before any handler of its runs.
    monkeypatch.setattr(version_files, "finish_registration", stop)
    with pytest.raises(_ServerStopped, match="killed mid-copy"):
        _register(uow, store, source)
    pending = _row(uow)
    assert pending.status == PENDING_REGISTRATION
    lease_end = pending.registration_expires
    assert lease_end > pending.creation_time

    # While the lease runs, the version is somebody's copy in progress: left alone.
    assert registration_leases.fail_expired(uow, now=lease_end - 1) == 0
    assert _row(uow).status == PENDING_REGISTRATION

    assert registration_leases.fail_expired(uow, now=lease_end + 1) == 1
    failed = versions.get_model_version(uow, name="churn", version=1)
    assert failed.status == FAILED_REGISTRATION
    assert failed.status_message == registration_leases.INTERRUPTED
    assert _row(uow).registration_expires is None
    assert _finish_events(uow) == [
        (SERVER, {"status": FAILED_REGISTRATION, "files": 0, "lease_expired": True})
    ]
    # Once failed, later sweeps find nothing.
    assert registration_leases.fail_expired(uow, now=lease_end + 10**9) == 0


def test_the_copier_moves_its_lease_forward_and_a_finished_version_has_none(
    uow: UnitOfWork, store: LocalArtifactStore, source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    leases: list[int] = []
    monkeypatch.setattr(registration_leases, "HEARTBEAT_MS", 0)  # beat at every chunk
    _copy_then(
        monkeypatch,
        before=lambda: leases.append(_row(uow).registration_expires),
        after=lambda: leases.append(_row(uow).registration_expires),
    )

    v = _register(uow, store, source)

    assert v.status == READY
    assert leases[1] >= leases[0]  # moved forward while copying (same millisecond allowed)
    assert _row(uow).registration_expires is None
    # A sweep long after changes nothing about a finished version.
    assert registration_leases.fail_expired(uow, now=leases[1] + 10**9) == 0


@pytest.mark.parametrize("when", ["during the copy", "after the copy"])
def test_a_copier_that_lost_its_lease_cannot_make_the_version_ready(
    uow: UnitOfWork,
    store: LocalArtifactStore,
    source: str,
    monkeypatch: pytest.MonkeyPatch,
    when: str,
) -> None:
    """Another process's sweep failed the version while this one was still copying (a stall
    longer than the lease): the sweep's outcome stands, and no manifest is written."""
    monkeypatch.setattr(registration_leases, "HEARTBEAT_MS", 0)

    def sweep() -> None:
        assert registration_leases.fail_expired(uow, now=_row(uow).registration_expires + 1) == 1

    nothing = lambda: None  # noqa: E731
    if when == "during the copy":
        _copy_then(monkeypatch, before=sweep, after=nothing)
    else:
        _copy_then(monkeypatch, before=nothing, after=sweep)

    v = _register(uow, store, source)

    assert (v.status, v.status_message) == (FAILED_REGISTRATION, registration_leases.INTERRUPTED)
    assert v.storage_location is None
    with uow.read() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(model_version_files)).scalar() == 0
        )
    assert [actor for actor, _ in _finish_events(uow)] == [SERVER]
