"""Database fixtures: every store, service and API test runs on a real SQLite file and on a real
PostgreSQL server (`-m "not postgres"` is the fast local loop)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings

from modelyard.api.app import create_app
from modelyard.config import Settings
from modelyard.services.system import open_unit_of_work, upgrade_database
from modelyard.store.uow import UnitOfWork
from tests.postgres import throwaway_cluster


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "modelyard.db"
    upgrade_database(Settings(database_url=f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    with throwaway_cluster() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> str:
    name = f"modelyard_template_{uuid.uuid4().hex[:8]}"
    _admin(postgres_server, f'CREATE DATABASE "{name}"')
    upgrade_database(Settings(database_url=f"{postgres_server}/{name}"))
    return name


def _admin(server_url: str, statement: str) -> None:
    engine = sa.create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "modelyard.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_url(postgres_server: str, postgres_template: str) -> Iterator[str]:
    name = f"modelyard_test_{uuid.uuid4().hex[:12]}"
    _admin(postgres_server, f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    yield f"{postgres_server}/{name}"
    _admin(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    # Registry tests reference files elsewhere (s3://bucket/...), as an operator may allow;
    # registration from modelyard's own artifacts is tested in tests/services/test_version_files.py.
    return Settings(
        database_url=db_url, data_dir=tmp_path / "data", external_sources="s3://bucket/"
    )


@pytest.fixture
def uow(settings: Settings) -> Iterator[UnitOfWork]:
    unit = open_unit_of_work(settings)
    yield unit
    unit.dispose()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


# Hypothesis: no per-example deadline; CI machines are shared and timing varies.
hypothesis_settings.register_profile("modelyard", deadline=None, max_examples=200)
hypothesis_settings.load_profile("modelyard")
