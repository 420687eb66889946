"""Reading an MLflow registry (an `mlflow server`, or its database) with the `mlflow` client:
the registered models and versions `modelyard import mlflow` copies, and each version's files.

`mlflow` is imported when a source is opened, not before: the rest of modelyard does not need it.
Its errors come out as `modelyard.errors` types naming the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from modelyard.errors import ModelyardError, NotFound

T = TypeVar("T")
PAGE = 1000


@dataclass(frozen=True, slots=True)
class SourceVersion:
    version: int
    status: str
    stage: str
    source: str
    run_id: str | None = None
    run_link: str | None = None
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SourceModel:
    name: str
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    versions: list[SourceVersion] = field(default_factory=list)  # oldest first


def without_credentials(uri: str) -> str:
    """The URI without a user or password in it, fit for messages and tags."""
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


class MlflowSource:
    """One MLflow tracking URI: `http(s)://host:port`, or a database URI (`sqlite:///mlflow.db`)."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.shown = without_credentials(uri)
        try:
            from mlflow import MlflowClient
        except ImportError:
            raise ModelyardError(
                "`modelyard import mlflow` needs the mlflow client: pip install 'modelyard[mlflow]'"
            ) from None
        self._check_reachable()
        with self._errors():
            self._client = MlflowClient(tracking_uri=uri, registry_uri=uri)

    def _check_reachable(self) -> None:
        # The mlflow client retries an unreachable server for minutes; say so at once instead.
        if not self.uri.startswith(("http://", "https://")):
            return
        try:
            httpx.get(f"{self.uri.rstrip('/')}/health", timeout=10)
        except httpx.HTTPError as e:
            raise ModelyardError(f"Cannot reach MLflow at {self.shown}: {e}") from None

    @contextmanager
    def _errors(self) -> Iterator[None]:
        from mlflow.exceptions import MlflowException

        try:
            yield
        except MlflowException as e:
            cls = NotFound if e.error_code == "RESOURCE_DOES_NOT_EXIST" else ModelyardError
            raise cls(f"MLflow at {self.shown}: {e.message}") from None

    def models(self, names: list[str] | None = None) -> list[SourceModel]:
        """The named registered models (all of them by default), each with every version."""
        with self._errors():
            if names:
                found = [self._client.get_registered_model(n) for n in names]
            else:
                found = _all_pages(
                    lambda token: self._client.search_registered_models(
                        max_results=PAGE, page_token=token
                    )
                )
            return [self._model(m) for m in sorted(found, key=lambda m: m.name)]

    def _model(self, m: Any) -> SourceModel:
        quoted = f'"{m.name}"' if "'" in m.name else f"'{m.name}'"
        versions = _all_pages(
            lambda token: self._client.search_model_versions(
                filter_string=f"name={quoted}", max_results=PAGE, page_token=token
            )
        )
        return SourceModel(
            name=m.name,
            description=m.description or None,
            tags=dict(m.tags or {}),
            aliases={a: int(v) for a, v in (m.aliases or {}).items()},
            versions=sorted((_version(v) for v in versions), key=lambda v: v.version),
        )

    def download(self, name: str, version: int, dest: Path) -> Path:
        """Download a version's files into `dest`; returns the folder (or file) they are in."""
        import mlflow.artifacts

        with self._errors():
            uri = self._client.get_model_version_download_uri(name, str(version))
            local = mlflow.artifacts.download_artifacts(
                artifact_uri=uri, dst_path=str(dest), tracking_uri=self.uri
            )
        return Path(local)


def _version(v: Any) -> SourceVersion:
    return SourceVersion(
        version=int(v.version),
        status=str(v.status or "READY"),
        stage=str(v.current_stage or "None"),
        source=str(v.source or ""),
        run_id=v.run_id or None,
        run_link=v.run_link or None,
        description=v.description or None,
        tags=dict(v.tags or {}),
    )


def _all_pages(fetch: Callable[[str | None], Any]) -> list[Any]:
    found: list[Any] = []
    token: str | None = None
    while True:
        page = fetch(token)
        found += list(page)
        token = page.token
        if not token:
            return found
