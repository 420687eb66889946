"""The hash chain: intact after concurrent writers; an edited, deleted or inserted row is caught
and named, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from modelyard.domain.events import GENESIS_HASH, event_hash
from modelyard.services import audit, registry
from modelyard.store.events_tables import audit_events
from modelyard.store.uow import UnitOfWork


def _five_events(uow: UnitOfWork) -> None:
    registry.create_registered_model(uow, name="m", actor="ann")
    for i in range(4):
        registry.set_registered_model_tag(uow, name="m", key=f"k{i}", value="v", actor="bob")


def _sql(uow: UnitOfWork, statement: str) -> None:
    with uow.engine.begin() as conn:
        conn.exec_driver_sql(statement)


def test_an_untouched_chain_verifies(uow: UnitOfWork) -> None:
    assert audit.verify_chain(uow).ok  # empty
    _five_events(uow)
    result = audit.verify_chain(uow)
    assert result.ok
    assert result.checked == 5
    with uow.read() as conn:
        first = conn.execute(sa.select(audit_events).where(audit_events.c.seq == 1)).one()
    assert first.prev_hash == GENESIS_HASH


def test_an_edited_row_is_named(uow: UnitOfWork) -> None:
    _five_events(uow)
    _sql(uow, """UPDATE audit_events SET "after" = '{"tags":{"k1":"forged"}}' WHERE seq = 3""")
    result = audit.verify_chain(uow)
    assert not result.ok
    assert result.first_bad_seq == 3
    assert result.reason is not None
    assert "altered" in result.reason


def test_an_edited_actor_is_named(uow: UnitOfWork) -> None:
    _five_events(uow)
    _sql(uow, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")
    assert audit.verify_chain(uow).first_bad_seq == 2


def test_a_deleted_middle_row_is_named(uow: UnitOfWork) -> None:
    _five_events(uow)
    _sql(uow, "DELETE FROM audit_events WHERE seq = 3")
    result = audit.verify_chain(uow)
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert result.reason is not None
    assert "missing" in result.reason


def test_a_deleted_last_row_is_named(uow: UnitOfWork) -> None:
    _five_events(uow)
    _sql(uow, "DELETE FROM audit_events WHERE seq = 5")
    assert audit.verify_chain(uow).first_bad_seq == 5


def test_a_forged_row_with_a_valid_hash_is_named(uow: UnitOfWork) -> None:
    """Inserted at the end, hashed correctly: the chain head does not know it."""
    _five_events(uow)
    with uow.read() as conn:
        last = conn.execute(sa.select(audit_events).where(audit_events.c.seq == 5)).one()
    fields = {
        "seq": 6,
        "time": last.time,
        "actor": "mallory",
        "action": "registered_model.alias_set",
        "target_type": "registered_model",
        "target_name": "m",
        "target_version": 1,
        "before": None,
        "after": '{"alias":"champion","version":1}',
        "request_id": None,
        "prev_hash": last.hash,
    }
    with uow.engine.begin() as conn:
        conn.execute(sa.insert(audit_events).values(**fields, hash=event_hash(**fields)))
    result = audit.verify_chain(uow)
    assert (result.ok, result.first_bad_seq) == (False, 6)


def test_a_forged_row_replacing_a_deleted_one_is_named(uow: UnitOfWork) -> None:
    _five_events(uow)
    _sql(uow, "DELETE FROM audit_events WHERE seq = 2")
    with uow.read() as conn:
        one = conn.execute(sa.select(audit_events).where(audit_events.c.seq == 1)).one()
    fields = {
        "seq": 2,
        "time": one.time,
        "actor": "mallory",
        "action": "registered_model.set_tag",
        "target_type": "registered_model",
        "target_name": "m",
        "target_version": None,
        "before": None,
        "after": None,
        "request_id": None,
        "prev_hash": one.hash,
    }
    with uow.engine.begin() as conn:
        conn.execute(sa.insert(audit_events).values(**fields, hash=event_hash(**fields)))
    result = audit.verify_chain(uow)
    # Event 2 itself hashes fine; event 3 no longer links to it.
    assert (result.ok, result.first_bad_seq) == (False, 3)


def test_concurrent_writers_keep_one_unbroken_chain(uow: UnitOfWork) -> None:
    for i in range(4):
        registry.create_registered_model(uow, name=f"m{i}")
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(10):
                registry.set_registered_model_tag(
                    uow, name=f"m{i}", key=f"k{j}", value="v", actor=f"t{i}"
                )
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = audit.verify_chain(uow)
    assert result.ok, result.reason
    assert result.checked == 44
