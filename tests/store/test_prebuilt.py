"""Statements run through the driver (store/prebuilt.py) behave as SQLAlchemy's own execution
does: named result columns, parameters by name on every dialect, and driver errors that the
unit of work translates."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from modelyard.errors import AlreadyExists
from modelyard.store import prebuilt
from modelyard.store.tables import registered_models
from modelyard.store.uow import UnitOfWork

rm = registered_models.c
_INSERT = (
    sa.insert(registered_models)
    .values(
        name=sa.bindparam("p_name"),
        creation_time=sa.bindparam("p_time"),
        last_updated_time=sa.bindparam("p_time"),
    )
    .returning(rm.id, rm.name, rm.next_version)
)
_RENAME = sa.update(registered_models).where(rm.name == sa.bindparam("p_old")).values(name="x")


def test_rows_come_back_with_their_column_names(uow: UnitOfWork) -> None:
    with uow.write() as conn:
        row = prebuilt.execute(conn, "test insert", _INSERT, {"p_name": "m", "p_time": 7})
        missing = prebuilt.execute(conn, "test rename", _RENAME, {"p_old": "nobody"})
    assert (row.name, row.next_version) == ("m", 1)
    assert row == (row.id, "m", 1)
    assert missing is None  # no RETURNING: no row
    with uow.read() as conn:
        stored = conn.execute(sa.select(rm.name, rm.creation_time)).all()
    assert [tuple(r) for r in stored] == [("m", 7)]


def test_a_driver_error_becomes_the_unit_of_works_error_and_writes_nothing(
    uow: UnitOfWork,
) -> None:
    with uow.write() as conn:
        prebuilt.execute(conn, "test insert", _INSERT, {"p_name": "m", "p_time": 1})

    def insert_both() -> None:
        with uow.write() as conn:
            prebuilt.execute(conn, "test insert", _INSERT, {"p_name": "other", "p_time": 2})
            prebuilt.execute(conn, "test insert", _INSERT, {"p_name": "m", "p_time": 3})

    with pytest.raises(AlreadyExists, match="conflicts with an existing record"):
        insert_both()
    with uow.read() as conn:
        names = conn.execute(sa.select(rm.name)).scalars().all()
    assert names == ["m"]
    # The connection that failed is usable again (the pool gets it back clean).
    with uow.write() as conn:
        again = prebuilt.execute(conn, "test insert", _INSERT, {"p_name": "n", "p_time": 4})
    assert again.name == "n"
