"""SDK: users, API tokens, groups and permissions on a server with access control (`--auth`).

Users and permissions go through the endpoints of MLflow's basic-auth server (so what this
client does, an MLflow admin script could do too); listing users, tokens and groups through
modelyard's own API.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from modelyard.client.base import BaseClient
from modelyard.errors import AlreadyExists, InvalidParameter, NotFound

MLFLOW = "/api/2.0/mlflow"
V1 = "/api/v1"
PERMISSIONS = ("READ", "EDIT", "MANAGE", "NO_PERMISSIONS")


def _seg(value: str) -> str:
    return quote(value, safe="")


class UsersClient(BaseClient):
    """`UsersClient(url, token=...)`: who am I; users, tokens, groups; grants on models and
    experiments. Credentials default to MODELYARD_TOKEN, MLFLOW_TRACKING_TOKEN or
    MLFLOW_TRACKING_USERNAME/PASSWORD."""

    def me(self) -> dict[str, Any]:
        """The caller: {"username", "is_admin", "scope", "auth"} (`auth` false: local mode)."""
        return dict(self.request("GET", f"{V1}/me"))

    # --- users ---------------------------------------------------------------------------

    def create_user(self, username: str, password: str) -> dict[str, Any]:
        """A new (non-admin) user; admins only."""
        body = {"username": username, "password": password}
        return dict(self.request("POST", f"{MLFLOW}/users/create", json=body)["user"])

    def get_user(self, username: str) -> dict[str, Any]:
        """A user with their grants (`registered_model_permissions`, `experiment_permissions`)."""
        found = self.request("GET", f"{MLFLOW}/users/get", params={"username": username})
        return dict(found["user"])

    def list_users(self) -> list[dict[str, Any]]:
        """Every user: {"id", "username", "is_admin"}; admins only."""
        return list(self.request("GET", f"{V1}/users")["users"])

    def update_password(self, username: str, password: str) -> None:
        """Your own password, or anyone's as an admin."""
        body = {"username": username, "password": password}
        self.request("PATCH", f"{MLFLOW}/users/update-password", json=body)

    def set_admin(self, username: str, is_admin: bool) -> None:
        """Make a user an admin or not; the last admin cannot be demoted."""
        body = {"username": username, "is_admin": is_admin}
        self.request("PATCH", f"{MLFLOW}/users/update-admin", json=body)

    def delete_user(self, username: str) -> None:
        """Delete a user, their tokens and grants; the last admin cannot be deleted."""
        self.request("DELETE", f"{MLFLOW}/users/delete", json={"username": username})

    # --- tokens --------------------------------------------------------------------------

    def create_token(
        self,
        *,
        name: str = "token",
        scope: str = "write",
        expires_in_days: float | None = 90,
        username: str | None = None,
    ) -> dict[str, Any]:
        """A new API token: {"token": {...}, "secret": "myd_..."}. The secret is in this
        answer only; the server keeps its sha256.

        Args:
            scope: read, write, or admin (an admin's token only).
            expires_in_days: None for a token that never expires.
            username: whose token (admins only); default: the caller's.
        """
        body: dict[str, Any] = {"name": name, "scope": scope, "expires_in_days": expires_in_days}
        if username is not None:
            body["username"] = username
        return dict(self.request("POST", f"{V1}/tokens", json=body))

    def list_tokens(self, username: str | None = None) -> list[dict[str, Any]]:
        """The caller's tokens, or a user's (admins); never their secrets."""
        params = {"username": username} if username else None
        return list(self.request("GET", f"{V1}/tokens", params=params)["tokens"])

    def revoke_token(self, token_id: int) -> None:
        """Revoke a token (its owner or an admin); it stops working at once."""
        self.request("DELETE", f"{V1}/tokens/{int(token_id)}")

    # --- groups --------------------------------------------------------------------------

    def list_groups(self) -> list[dict[str, Any]]:
        """Every group: {"name", "members"}."""
        return list(self.request("GET", f"{V1}/groups")["groups"])

    def create_group(self, name: str) -> dict[str, Any]:
        return dict(self.request("POST", f"{V1}/groups", json={"name": name})["group"])

    def delete_group(self, name: str) -> None:
        self.request("DELETE", f"{V1}/groups/{_seg(name)}")

    def add_member(self, group: str, username: str) -> None:
        self.request("PUT", f"{V1}/groups/{_seg(group)}/members/{_seg(username)}")

    def remove_member(self, group: str, username: str) -> None:
        self.request("DELETE", f"{V1}/groups/{_seg(group)}/members/{_seg(username)}")

    # --- permissions ---------------------------------------------------------------------

    def grant(
        self,
        *,
        username: str,
        permission: str,
        model: str | None = None,
        experiment: str | None = None,
    ) -> dict[str, Any]:
        """Give `username` a permission (READ, EDIT, MANAGE, NO_PERMISSIONS) on a registered
        model or an experiment, replacing the one they held there. Needs MANAGE on it."""
        path, key = _permission_path(model, experiment)
        body = {**key, "username": username, "permission": permission}
        try:
            created = self.request("POST", f"{path}/create", json=body)
        except AlreadyExists:
            self.request("PATCH", f"{path}/update", json=body)
            return self._held(path, key, username) or body
        return dict(next(iter(created.values())))

    def get_permission(
        self, *, username: str, model: str | None = None, experiment: str | None = None
    ) -> dict[str, Any] | None:
        """`username`'s grant on a model or experiment, or None when they hold none (the
        server's default permission then applies)."""
        path, key = _permission_path(model, experiment)
        return self._held(path, key, username)

    def revoke(
        self, *, username: str, model: str | None = None, experiment: str | None = None
    ) -> None:
        """Remove `username`'s grant on a model or experiment (the default applies again)."""
        path, key = _permission_path(model, experiment)
        self.request("DELETE", f"{path}/delete", json={**key, "username": username})

    def _held(self, path: str, key: dict[str, str], username: str) -> dict[str, Any] | None:
        try:
            found = self.request("GET", f"{path}/get", params={**key, "username": username})
        except NotFound as e:
            # The model, experiment or user missing is an error; only a missing grant is None.
            if "No permission on" not in str(e):
                raise
            return None
        return dict(next(iter(found.values())))


def _permission_path(model: str | None, experiment: str | None) -> tuple[str, dict[str, str]]:
    if (model is None) == (experiment is None):
        raise InvalidParameter("Name exactly one of a registered model and an experiment.")
    if model is not None:
        return f"{MLFLOW}/registered-models/permissions", {"name": model}
    return f"{MLFLOW}/experiments/permissions", {"experiment_id": str(experiment)}
