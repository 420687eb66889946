"""SDK: the audit trail, alias and stage history, rollback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx

from modelyard.client.base import BaseClient, _error_of
from modelyard.errors import ModelyardError


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


class AuditClient(BaseClient):
    """`AuditClient(url, user=...)`: query, export and verify audit events; history; rollback."""

    def list_events(
        self,
        *,
        model: str | None = None,
        version: int | str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: int | None = None,
        until: int | None = None,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        """One page, newest first: {"events": [...], "next_page_token": ...}."""
        params = _clean(
            {
                "model": model,
                "version": version,
                "actor": actor,
                "action": action,
                "since": since,
                "until": until,
                "max_results": max_results,
                "page_token": page_token,
            }
        )
        result: dict[str, Any] = self.request("GET", "/api/v1/audit-events", params=params)
        return result

    def export_lines(
        self,
        *,
        model: str | None = None,
        actor: str | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> Iterator[str]:
        """Every matching event as one JSON line, oldest first (streamed)."""
        params = _clean({"model": model, "actor": actor, "since": since, "until": until})
        try:
            with self._http.stream("GET", "/api/v1/audit-events/export", params=params) as r:
                if not r.is_success:
                    r.read()
                    raise _error_of(r)
                yield from r.iter_lines()
        except httpx.HTTPError as e:
            raise ModelyardError(f"Cannot reach modelyard at {self.url}: {e}") from None

    def verify(self) -> dict[str, Any]:
        """{"ok", "checked", "first_bad_seq", "reason"}."""
        result: dict[str, Any] = self.request("GET", "/api/v1/audit-events/verify")
        return result

    def alias_history(self, model: str, alias: str) -> list[dict[str, Any]]:
        path = f"/api/v1/models/{quote(model, safe='')}/aliases/{quote(alias, safe='')}/history"
        return list(self.request("GET", path)["history"])

    def stage_history(self, model: str, stage: str) -> list[dict[str, Any]]:
        path = f"/api/v1/models/{quote(model, safe='')}/stages/{quote(stage, safe='')}/history"
        return list(self.request("GET", path)["history"])

    def rollback(
        self, model: str, *, alias: str | None = None, stage: str | None = None
    ) -> list[dict[str, Any]]:
        """Move the alias or stage back to its previous version; returns the versions changed."""
        body = _clean({"alias": alias, "stage": stage})
        path = f"/api/v1/models/{quote(model, safe='')}/rollback"
        return list(self.request("POST", path, json=body)["model_versions"])
