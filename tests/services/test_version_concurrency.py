"""Version numbers are allocated atomically: N concurrent creators on one model get exactly 1..N,
whether they are threads of one process or requests spread over several server processes."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from modelyard.services import registry, versions
from modelyard.store.uow import UnitOfWork
from tests.factories import EXTERNAL_SOURCES, new_version
from tests.helpers import LiveServer

EXTERNAL_ARGS = ["--external-sources", ",".join(EXTERNAL_SOURCES)]
N = 16
API = "/api/2.0/mlflow"


def test_threads_creating_versions_of_one_model_get_1_to_n(uow: UnitOfWork) -> None:
    registry.create_registered_model(uow, name="contended")
    start = threading.Barrier(N, timeout=30)

    def create(i: int) -> int:
        start.wait()
        created = new_version(uow, name="contended", source=f"s3://b/m/{i}")
        return created.version

    with ThreadPoolExecutor(N) as pool:
        numbers = list(pool.map(create, range(N)))

    assert sorted(numbers) == list(range(1, N + 1))
    found = versions.search_model_versions(uow, filter_string="name = 'contended'")
    assert sorted(v.version for v in found.items) == list(range(1, N + 1))
    # Every request's version was stored, none overwritten by another.
    assert sorted(v.source for v in found.items) == sorted(f"s3://b/m/{i}" for i in range(N))


@contextlib.contextmanager
def _servers(tmp_path: Path, count: int, **kwargs: object) -> Iterator[list[LiveServer]]:
    """`count` live servers, started together (so they also migrate together)."""
    servers: list[LiveServer] = []
    try:
        for i in range(count):
            servers.append(
                LiveServer(  # type: ignore[arg-type]
                    data_dir=tmp_path / f"server-{i}", extra_args=EXTERNAL_ARGS, **kwargs
                )
            )
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()


def _create_versions_concurrently(urls: list[str], name: str) -> list[httpx.Response]:
    """N version creates, all released at once, spread round-robin over `urls`."""
    start = threading.Barrier(N, timeout=30)
    with contextlib.ExitStack() as stack:
        clients = [stack.enter_context(httpx.Client(base_url=url, timeout=60)) for url in urls]
        first = clients[0].post(f"{API}/registered-models/create", json={"name": name})
        assert first.status_code == 200, first.text

        def create(i: int) -> httpx.Response:
            client = clients[i % len(clients)]
            start.wait()
            return client.post(
                f"{API}/model-versions/create", json={"name": name, "source": f"s3://b/{i}"}
            )

        with ThreadPoolExecutor(N) as pool:
            return list(pool.map(create, range(N)))


def _assert_versions_1_to_n(responses: list[httpx.Response], url: str, name: str) -> None:
    assert [r.status_code for r in responses] == [200] * N, [r.text for r in responses]
    numbers = sorted(int(r.json()["model_version"]["version"]) for r in responses)
    assert numbers == list(range(1, N + 1))
    listed = httpx.get(
        f"{url}{API}/model-versions/search", params={"filter": f"name = '{name}'"}, timeout=30
    )
    assert listed.status_code == 200, listed.text
    stored = sorted(int(v["version"]) for v in listed.json()["model_versions"])
    assert stored == list(range(1, N + 1))


@pytest.mark.e2e
@pytest.mark.postgres
def test_two_servers_on_one_postgres_database_allocate_1_to_n(
    postgres_url: str, tmp_path: Path
) -> None:
    with _servers(tmp_path, 2, database_url=postgres_url) as servers:
        urls = [s.url for s in servers]
        responses = _create_versions_concurrently(urls, "shared-pg")
        _assert_versions_1_to_n(responses, urls[1], "shared-pg")


@pytest.mark.e2e
def test_two_servers_on_one_sqlite_file_allocate_1_to_n(tmp_path: Path) -> None:
    # A fresh file, as when several local processes start on the default database: both servers
    # also create and migrate it at the same moment.
    database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    with _servers(tmp_path, 2, database_url=database_url) as servers:
        urls = [s.url for s in servers]
        responses = _create_versions_concurrently(urls, "shared-sqlite")
        _assert_versions_1_to_n(responses, urls[1], "shared-sqlite")


@pytest.mark.e2e
@pytest.mark.postgres
def test_server_with_two_workers_on_postgres_creates_correctly(
    postgres_url: str, tmp_path: Path
) -> None:
    with _servers(tmp_path, 1, database_url=postgres_url, workers=2) as [server]:
        health = httpx.get(f"{server.url}/health", timeout=10)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        responses = _create_versions_concurrently([server.url], "two-workers")
        _assert_versions_1_to_n(responses, server.url, "two-workers")
        model = httpx.get(
            f"{server.url}{API}/registered-models/get", params={"name": "two-workers"}, timeout=10
        )
        assert model.status_code == 200, model.text
        latest = model.json()["registered_model"]["latest_versions"]
        assert [v["version"] for v in latest] == [str(N)]
