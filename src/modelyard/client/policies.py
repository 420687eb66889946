"""SDK: promotion policies, dry-run checks and promotions."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from modelyard.client.base import BaseClient


def target_body(stage: str | None, alias: str | None) -> dict[str, str]:
    body = {"stage": stage, "alias": alias}
    return {k: v for k, v in body.items() if v is not None}


def _policy_path(model: str | None) -> str:
    return (
        "/api/v1/policies/default"
        if model is None
        else f"/api/v1/models/{quote(model, safe='')}/policy"
    )


class PoliciesClient(BaseClient):
    """`PoliciesClient(url, user=...)`: store and read policies; check and apply promotions."""

    def put_policy(
        self, policy: str | dict[str, Any], *, model: str | None = None
    ) -> dict[str, Any]:
        """Store a new policy version (YAML/JSON text or a document); `model` None: the default."""
        result: dict[str, Any] = self.request("PUT", _policy_path(model), json={"policy": policy})
        return dict(result["policy"])

    def get_policy(self, model: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", _policy_path(model))
        return dict(result["policy"])

    def policy_history(self, model: str | None = None) -> list[dict[str, Any]]:
        result: dict[str, Any] = self.request("GET", _policy_path(model) + "/history")
        return list(result["policies"])

    def check(
        self, model: str, version: int | str, *, stage: str | None = None, alias: str | None = None
    ) -> dict[str, Any]:
        """Dry run: {"allowed": ..., "checks": [...], "policy": ...}; changes nothing."""
        path = f"/api/v1/models/{quote(model, safe='')}/versions/{version}/promotion-check"
        result: dict[str, Any] = self.request("POST", path, json=target_body(stage, alias))
        return dict(result["check"])

    def promote(
        self, model: str, version: int | str, *, stage: str | None = None, alias: str | None = None
    ) -> dict[str, Any]:
        """Apply the promotion; raises PermissionDenied listing the failed checks."""
        path = f"/api/v1/models/{quote(model, safe='')}/versions/{version}/promote"
        result: dict[str, Any] = self.request("POST", path, json=target_body(stage, alias))
        return dict(result["model_version"])
