"""SDK: a version's lineage, the comparison of two versions, deployment records."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from modelyard.client.base import BaseClient


def _version_path(model: str, version: int | str) -> str:
    return f"/api/v1/models/{quote(model, safe='')}/versions/{quote(str(version), safe='')}"


class LineageClient(BaseClient):
    """`LineageClient(url, user=...)`: lineage, compare, record and list deployments."""

    def lineage(self, model: str, version: int | str) -> dict[str, Any]:
        """The whole story of a version as one JSON document (see docs/governance.md)."""
        result: dict[str, Any] = self.request("GET", _version_path(model, version) + "/lineage")[
            "lineage"
        ]
        return result

    def compare(self, model: str, a: int | str, b: int | str) -> dict[str, Any]:
        """Version `a` and `b` side by side; each a number of `model` or "other-model/N"."""
        path = f"/api/v1/models/{quote(model, safe='')}/compare"
        result: dict[str, Any] = self.request("GET", path, params={"a": str(a), "b": str(b)})[
            "comparison"
        ]
        return result

    def record_deployment(
        self,
        model: str,
        version: int | str,
        *,
        environment: str,
        endpoint: str | None = None,
        note: str | None = None,
        tags: dict[str, str] | None = None,
        deployed_at: int | None = None,
    ) -> dict[str, Any]:
        """Record that the version was deployed to `environment` (by this client's user)."""
        body = {
            k: v
            for k, v in {
                "environment": environment,
                "endpoint": endpoint,
                "note": note,
                "tags": tags,
                "deployed_at": deployed_at,
            }.items()
            if v is not None
        }
        path = _version_path(model, version) + "/deployments"
        result: dict[str, Any] = self.request("POST", path, json=body)["deployment"]
        return result

    def deployments(
        self, model: str, version: int | str | None = None, *, environment: str | None = None
    ) -> list[dict[str, Any]]:
        """Deployment records of the model (or of one version), newest first."""
        path = (
            f"/api/v1/models/{quote(model, safe='')}/deployments"
            if version is None
            else _version_path(model, version) + "/deployments"
        )
        params = {"environment": environment} if environment is not None else {}
        return list(self.request("GET", path, params=params)["deployments"])
