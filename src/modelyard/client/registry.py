"""Registered models and versions through modelyard's MLflow-compatible REST API, plus a
version's manifest from modelyard's own API (for checked downloads and imports).

The SDK speaks MLflow's wire format here rather than depending on the `mlflow` package: the
CLI's `download`, `upload` and `import mlflow` need a handful of calls, with the actor header
(and, later, the credentials) every SDK client sends.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from modelyard.client.base import BaseClient
from modelyard.errors import InvalidParameter, NotFound

MLFLOW = "/api/2.0/mlflow"
STAGES = ("None", "Staging", "Production", "Archived")


class RegistryClient(BaseClient):
    """Registered models and versions. Versions are MLflow's JSON objects (version as a string)."""

    def get_model(self, name: str) -> dict[str, Any] | None:
        """The registered model, or None when there is none of that name."""
        try:
            found = self.request("GET", f"{MLFLOW}/registered-models/get", params={"name": name})
        except NotFound:
            return None
        return dict(found["registered_model"])

    def create_model(
        self, name: str, *, description: str | None = None, tags: dict[str, str] | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "tags": _tag_list(tags)}
        if description:
            body["description"] = description
        return dict(self.request("POST", f"{MLFLOW}/registered-models/create", json=body))

    def delete_model(self, name: str) -> None:
        self.request("DELETE", f"{MLFLOW}/registered-models/delete", json={"name": name})

    def versions(self, name: str) -> list[dict[str, Any]]:
        """Every version of the model, oldest first."""
        found: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            params: dict[str, Any] = {"filter": f"name={_quoted(name)}", "max_results": 1000}
            if token:
                params["page_token"] = token
            page = self.request("GET", f"{MLFLOW}/model-versions/search", params=params)
            found += page.get("model_versions", [])
            token = page.get("next_page_token")
            if not token:
                return sorted(found, key=lambda v: int(v["version"]))

    def create_version(
        self,
        name: str,
        source: str,
        *,
        run_id: str | None = None,
        run_link: str | None = None,
        description: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Register a version; modelyard copies the source's files before it answers."""
        body: dict[str, Any] = {"name": name, "source": source, "tags": _tag_list(tags)}
        if run_id:
            body["run_id"] = run_id
        if run_link:
            body["run_link"] = run_link
        if description:
            body["description"] = description
        made = self.request("POST", f"{MLFLOW}/model-versions/create", json=body)
        return dict(made["model_version"])

    def delete_version(self, name: str, version: int | str) -> None:
        body = {"name": name, "version": str(version)}
        self.request("DELETE", f"{MLFLOW}/model-versions/delete", json=body)

    def transition_stage(self, name: str, version: int | str, stage: str) -> dict[str, Any]:
        """Move a version to a stage, leaving the other versions where they are."""
        body = {
            "name": name,
            "version": str(version),
            "stage": stage,
            "archive_existing_versions": False,
        }
        moved = self.request("POST", f"{MLFLOW}/model-versions/transition-stage", json=body)
        return dict(moved["model_version"])

    def set_alias(self, name: str, alias: str, version: int | str) -> None:
        body = {"name": name, "alias": alias, "version": str(version)}
        self.request("POST", f"{MLFLOW}/registered-models/alias", json=body)

    def resolve(self, uri: str) -> dict[str, Any]:
        """The version a `models:/` URI names: `models:/NAME/VERSION`, `models:/NAME@ALIAS`,
        `models:/NAME/STAGE` (the newest version in that stage) or `models:/NAME/latest`."""
        name, version, alias = parse_models_uri(uri)
        if alias is not None:
            params = {"name": name, "alias": alias}
            found = self.request("GET", f"{MLFLOW}/registered-models/alias", params=params)
            return dict(found["model_version"])
        if version.isdigit():
            params = {"name": name, "version": version}
            found = self.request("GET", f"{MLFLOW}/model-versions/get", params=params)
            return dict(found["model_version"])
        stages = [] if version.lower() == "latest" else [_stage(version)]
        body = {"name": name, "stages": stages}
        latest = self.request("POST", f"{MLFLOW}/registered-models/get-latest-versions", json=body)
        newest = max(
            latest.get("model_versions", []), key=lambda v: int(v["version"]), default=None
        )
        if newest is None:
            raise NotFound(f"No version of {name!r} matches {uri!r}.")
        return dict(newest)

    def manifest(self, name: str, version: int | str) -> dict[str, Any]:
        """`{"name", "version", "storage_location", "files": [{"path", "size", "sha256"}]}`;
        files is None for a version that references files modelyard does not keep."""
        path = f"/api/v1/models/{quote(name, safe='')}/versions/{version}/files"
        return dict(self.request("GET", path)["manifest"])


def parse_models_uri(uri: str) -> tuple[str, str, str | None]:
    """(name, version or stage or "latest", alias) of a `models:/` URI."""
    rest = uri.removeprefix("models:/") if uri.startswith("models:/") else None
    if rest and "@" in rest and "/" not in rest.rsplit("@", 1)[1]:
        name, _, alias = rest.rpartition("@")
        if name and alias:
            return name, "", alias
    if rest and "/" in rest:
        name, _, version = rest.rpartition("/")
        if name and version:
            return name, version, None
    raise InvalidParameter(
        f"Expected models:/NAME/VERSION, models:/NAME@ALIAS or models:/NAME/STAGE, not {uri!r}."
    )


def _stage(text: str) -> str:
    for stage in STAGES:
        if stage.lower() == text.lower():
            return stage
    raise InvalidParameter(f"{text!r} is neither a version number, a stage nor 'latest'.")


def _quoted(name: str) -> str:
    # A string literal of the filter grammar: a doubled quote stands for one.
    return "'" + name.replace("'", "''") + "'"


def _tag_list(tags: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in (tags or {}).items()]
