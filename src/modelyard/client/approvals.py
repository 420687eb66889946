"""SDK: approval requests."""

from __future__ import annotations

from typing import Any

from modelyard.client.base import BaseClient
from modelyard.client.policies import target_body


class ApprovalsClient(BaseClient):
    """`ApprovalsClient(url, user=...)`: request, approve, reject, cancel, comment, list."""

    def request_approval(
        self,
        model: str,
        version: int,
        *,
        stage: str | None = None,
        alias: str | None = None,
        comment: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model, "version": version, **target_body(stage, alias)}
        if comment is not None:
            body["comment"] = comment
        return self._one("POST", "/api/v1/approvals", body)

    def approve(self, request_id: int, *, comment: str | None = None) -> dict[str, Any]:
        return self._one("POST", f"/api/v1/approvals/{request_id}/approve", {"comment": comment})

    def reject(self, request_id: int, *, comment: str | None = None) -> dict[str, Any]:
        return self._one("POST", f"/api/v1/approvals/{request_id}/reject", {"comment": comment})

    def cancel(self, request_id: int) -> dict[str, Any]:
        return self._one("POST", f"/api/v1/approvals/{request_id}/cancel", None)

    def comment(self, request_id: int, comment: str) -> dict[str, Any]:
        return self._one("POST", f"/api/v1/approvals/{request_id}/comments", {"comment": comment})

    def get(self, request_id: int) -> dict[str, Any]:
        return self._one("GET", f"/api/v1/approvals/{request_id}", None)

    def list(
        self, *, model: str | None = None, approver: str | None = None, status: str = "pending"
    ) -> list[dict[str, Any]]:
        """Requests, newest first; status pending (default), applied, ..., or `all`."""
        params = {"model": model, "approver": approver, "status": status}
        result: dict[str, Any] = self.request(
            "GET", "/api/v1/approvals", params={k: v for k, v in params.items() if v is not None}
        )
        return list(result["requests"])

    def _one(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        result: dict[str, Any] = self.request(method, path, json=body)
        return dict(result["request"])
