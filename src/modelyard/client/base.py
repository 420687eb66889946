"""The SDK's HTTP core: one httpx client, modelyard's errors re-raised as the same classes."""

from __future__ import annotations

import getpass
import os
from typing import Any, Self

import httpx

from modelyard.errors import ALL_ERRORS, ModelyardError

DEFAULT_URL = "http://127.0.0.1:5000"
ACTOR_HEADER = "X-Modelyard-User"
_BY_CODE = {cls.error_code: cls for cls in ALL_ERRORS}


def server_url(url: str | None = None) -> str:
    """The server to talk to: the argument, MODELYARD_URL, MLFLOW_TRACKING_URI, or the default."""
    chosen = url or os.environ.get("MODELYARD_URL") or os.environ.get("MLFLOW_TRACKING_URI")
    if not chosen or not chosen.startswith(("http://", "https://")):
        return DEFAULT_URL
    return chosen.rstrip("/")


def local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def credentials(token: str | None = None) -> httpx.Auth | None:
    """How to sign in to a server with `--auth`: the token given, else MODELYARD_TOKEN or
    MLFLOW_TRACKING_TOKEN (bearer), else MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD
    (basic), as the mlflow client reads them. None: a local-mode server needs none."""
    chosen = token or os.environ.get("MODELYARD_TOKEN") or os.environ.get("MLFLOW_TRACKING_TOKEN")
    if chosen:
        return _Bearer(chosen)
    username = os.environ.get("MLFLOW_TRACKING_USERNAME")
    password = os.environ.get("MLFLOW_TRACKING_PASSWORD")
    if username and password:
        return httpx.BasicAuth(username, password)
    return None


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = self._header
        yield request


class BaseClient:
    """Calls modelyard's own API (`/api/v1`). Errors come back as `modelyard.errors` types."""

    def __init__(
        self,
        url: str | None = None,
        *,
        user: str | None = None,
        token: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.url = server_url(url)
        self._http = httpx.Client(
            base_url=self.url,
            headers={ACTOR_HEADER: user or local_user()},
            auth=credentials(token),
            timeout=timeout,
        )

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as e:
            raise ModelyardError(f"Cannot reach modelyard at {self.url}: {e}") from None
        if response.is_success:
            return response.json() if response.content else None
        raise _error_of(response)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _error_of(response: httpx.Response) -> ModelyardError:
    try:
        body = response.json()
        cls = _BY_CODE.get(body.get("error_code"), ModelyardError)
        return cls(str(body.get("message") or response.text))
    except ValueError:
        return ModelyardError(
            f"HTTP {response.status_code} from {response.url}: {response.text[:200]}"
        )
