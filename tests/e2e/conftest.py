"""Fixtures for end-to-end tests: empty PostgreSQL databases for live server processes, and an
mlflow client environment that fails fast instead of retrying a wrong 5xx for minutes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from tests.helpers import LiveServer, live_server


def _admin(server_url: str, statement: str) -> None:
    engine = sa.create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def new_postgres_database(postgres_server: str) -> Iterator[Callable[[], str]]:
    """Makes EMPTY databases (no schema: the server migrates them); drops them at the end."""
    created: list[str] = []

    def make() -> str:
        name = f"modelyard_e2e_{uuid.uuid4().hex[:12]}"
        _admin(postgres_server, f'CREATE DATABASE "{name}"')
        created.append(name)
        return f"{postgres_server}/{name}"

    yield make
    for name in created:
        _admin(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A live server for each test module and database kind (tests use names of their own).

    Registry tests reference files elsewhere (s3://bucket/...), which the operator allows.
    """
    module = request.module.__name__.rsplit(".", 1)[-1]
    data_dir = tmp_path_factory.mktemp(f"{module}-{request.param}")
    database_url = None
    if request.param == "postgresql":
        make: Callable[[], str] = request.getfixturevalue("new_postgres_database")
        database_url = make()
    external = ["--external-sources", "s3://bucket/"]
    with live_server(data_dir=data_dir, database_url=database_url, extra_args=external) as running:
        yield running


@pytest.fixture(autouse=True)
def mlflow_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """No mlflow client retries in e2e tests: a wrong 5xx fails the test at once."""
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "20")
