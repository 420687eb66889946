"""SDK: retention (archive or delete all but the newest N versions of a model)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from modelyard.client.base import BaseClient


class RetentionClient(BaseClient):
    """`RetentionClient(url, user=...)`: apply a retention rule to a registered model."""

    def apply_retention(
        self, model: str, *, keep: int, action: str = "archive", dry_run: bool = False
    ) -> dict[str, Any]:
        """Archive (or delete) every version but the newest `keep`; versions holding an alias,
        in Staging or Production, or named by a pending approval request are never touched.

        Returns {"kept", "protected", "changed", "unchanged", ...}; with `dry_run` nothing
        changes and "changed" lists what would.
        """
        path = f"/api/v1/models/{quote(model, safe='')}/retention"
        body = {"keep": keep, "action": action, "dry_run": dry_run}
        result: dict[str, Any] = self.request("POST", path, json=body)
        return dict(result["retention"])
