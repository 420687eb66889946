"""Migrations on an EMPTY database of each dialect produce exactly the schema of `tables.py`,
run once, and can be started by several processes at the same time."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from modelyard.config import Settings
from modelyard.domain.tracking import Metric
from modelyard.services import registration_leases
from modelyard.store import metric_writes, migrate, runs, tables
from modelyard.store.engine import create_engine
from modelyard.store.uow import UnitOfWork


def _admin(server_url: str, statement: str) -> None:
    engine = sa.create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all (conftest's `db_url` is already migrated)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server: str = request.getfixturevalue("postgres_server")
    name = f"modelyard_migrate_{uuid.uuid4().hex[:12]}"
    _admin(server, f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(empty_db_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(Settings(database_url=empty_db_url))
    yield engine
    engine.dispose()


def _schema_differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), tables.metadata))


def _version_rows(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def test_upgrade_on_an_empty_database_matches_the_tables(engine: sa.Engine) -> None:
    assert sa.inspect(engine).get_table_names() == []
    assert migrate.current_revision(engine) is None

    assert migrate.upgrade(engine) == migrate.head_revision()

    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _schema_differences(engine) == []


def test_upgrading_twice_is_a_no_op(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(tables.registered_models).values(
                name="kept", creation_time=1, last_updated_time=1
            )
        )

    assert migrate.upgrade(engine) == migrate.head_revision()

    assert _version_rows(engine) == [migrate.head_revision()]
    assert _schema_differences(engine) == []
    with engine.connect() as conn:
        names = conn.execute(sa.select(tables.registered_models.c.name)).scalars().all()
    assert names == ["kept"]


def _rows_of_an_older_revision(engine: sa.Engine, *inserts: str) -> None:
    with engine.begin() as conn:
        for statement in inserts:
            conn.execute(sa.text(statement))


def test_metric_history_logged_before_segments_stays_readable(engine: sa.Engine) -> None:
    """Revision 0010 puts earlier history rows in segment 0 and counts them per run, so the
    run's next batches open new segments and reads see old and new rows."""
    migrate.upgrade(engine, "0009")
    _rows_of_an_older_revision(
        engine,
        "INSERT INTO experiments (id, name, artifact_location, lifecycle_stage, creation_time, "
        "last_update_time) VALUES (1, 'e', 'a', 'active', 0, 0)",
        "INSERT INTO runs (run_id, experiment_id, name, status, lifecycle_stage, artifact_uri) "
        "VALUES ('r1', 1, 'r', 'RUNNING', 'active', 'a')",
    )
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO metrics (run_id, key, value, is_nan, timestamp, step) "
                "VALUES ('r1', :key, :step, false, 0, :step)"
            ),
            [{"key": key, "step": step} for step in range(3) for key in ("a", "b")],
        )

    migrate.upgrade(engine)

    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT metric_rows FROM runs")).scalar_one() == 6
        segments = conn.execute(sa.text("SELECT DISTINCT segment FROM metrics")).scalars()
        assert list(segments) == [0]
        batch = [Metric(key="a", value=3.0, timestamp=0, step=3)]
        metric_writes.log_metrics(conn, "r1", batch)
        history = runs.metric_history(conn, "r1", "a", offset=0, limit=10)
    assert [m.step for m in history] == [0, 1, 2, 3]


def test_versions_left_pending_before_leases_are_failed_by_the_first_sweep(
    engine: sa.Engine,
) -> None:
    migrate.upgrade(engine, "0010")
    _rows_of_an_older_revision(
        engine,
        "INSERT INTO registered_models (id, name, creation_time, last_updated_time, "
        "next_version) VALUES (1, 'churn', 0, 0, 2)",
        "INSERT INTO model_versions (model_id, version, creation_time, last_updated_time, "
        "current_stage, status) VALUES (1, 1, 0, 0, 'None', 'PENDING_REGISTRATION')",
    )

    migrate.upgrade(engine)

    uow = UnitOfWork(engine)
    assert registration_leases.fail_expired(uow) == 1
    with engine.connect() as conn:
        status = conn.execute(sa.select(tables.model_versions.c.status)).scalar_one()
    assert status == "FAILED_REGISTRATION"


# Runs in each child process: connect, report ready, wait for the go, upgrade.
_UPGRADER = """
import sys
from modelyard.config import Settings
from modelyard.store import migrate
from modelyard.store.engine import create_engine

engine = create_engine(Settings(database_url=sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
print(migrate.upgrade(engine), flush=True)
"""


def test_concurrent_upgrades_of_one_empty_database_both_succeed(
    empty_db_url: str, engine: sa.Engine
) -> None:
    # Two processes, as two servers starting together. (Not threads: alembic's `context` and
    # `op` are process-wide proxies, so two migrations in one process would share them.) Only
    # the database's locking keeps them apart: PG's advisory lock, SQLite's BEGIN IMMEDIATE.
    with contextlib.ExitStack() as stack:
        children = [
            stack.enter_context(
                subprocess.Popen(
                    [sys.executable, "-c", _UPGRADER, empty_db_url],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
            for _ in range(2)
        ]
        for child in children:
            # Popen's exit waits for the child; make sure it has ended by then.
            stack.callback(lambda c=child: c.poll() is None and c.kill())
        # A barrier across processes: start both upgrades only once both are connected.
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [child.communicate(timeout=60) for child in children]

    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err
        assert out.strip() == migrate.head_revision()
    assert _version_rows(engine) == [migrate.head_revision()]
    assert _schema_differences(engine) == []
