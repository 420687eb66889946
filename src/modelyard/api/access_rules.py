"""What every endpoint needs of its caller, in one table (used when access control is on).

Each route's endpoint maps to a function from the request's arguments (path, query and JSON
body) to the `Need`s the caller must meet; `tests/api/test_access_rules.py` checks that every
route has an entry. Levels follow MLflow's basic-auth server: reading needs READ, changing needs
EDIT, deleting and managing permissions need MANAGE; creating a model or an experiment needs
only a token that may write (the creator then MANAGEs it). Searches are not refused: they show
what the caller may read (services/access.py `ReadFilter`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from modelyard.domain.access import Level
from modelyard.services.access import (
    ADMIN,
    ANY,
    APPROVAL_REQUEST,
    ARTIFACT_PATH,
    EXPERIMENT_ID,
    EXPERIMENT_NAME,
    LOGGED_MODEL,
    MODEL_NAME,
    RUN,
    SELF_BY_PASSWORD,
    SELF_OR_ADMIN,
    VERSION_SOURCE,
    Need,
)


class Args:
    """A request's arguments by name: path parameters, then query, then JSON body."""

    def __init__(self, path: dict[str, Any], query: Any, body: Any) -> None:
        self._path = path
        self._query = query
        self._body = body if isinstance(body, dict) else {}

    def get(self, *keys: str) -> Any:
        for key in keys:
            for source in (self._path, self._query, self._body):
                value = source.get(key)
                if value not in (None, ""):
                    return value
        return None

    def many(self, key: str) -> list[Any]:
        values = list(self._query.getlist(key)) if hasattr(self._query, "getlist") else []
        body = self._body.get(key)
        if isinstance(body, list):
            values.extend(body)
        return values


Rule = Callable[[Args], Sequence[Need]]
R, E, M = Level.READ, Level.EDIT, Level.MANAGE


def anyone(level: Level = R) -> Rule:
    return lambda _: [Need(ANY, None, level)]


def admin() -> Rule:
    return lambda _: [Need(ADMIN, None)]


def one(kind: str, level: Level, *keys: str) -> Rule:
    return lambda a: [Need(kind, a.get(*keys), level)]


def each(kind: str, level: Level, key: str) -> Rule:
    """A need on every id a list argument names (e.g. the experiments a search spans)."""
    return lambda a: [Need(kind, value, level) for value in a.many(key)] or [Need(ANY, None, R)]


def both(*rules: Rule) -> Rule:
    return lambda a: [need for rule in rules for need in rule(a)]


def model(level: Level) -> Rule:
    return one(MODEL_NAME, level, "name")


def run(level: Level) -> Rule:
    return one(RUN, level, "run_id", "run_uuid")


def experiment(level: Level) -> Rule:
    return one(EXPERIMENT_ID, level, "experiment_id")


def logged_model(level: Level) -> Rule:
    return one(LOGGED_MODEL, level, "model_id")


def artifact(level: Level) -> Rule:
    return one(ARTIFACT_PATH, level, "artifact_path", "path")


def request(level: Level) -> Rule:
    return one(APPROVAL_REQUEST, level, "request_id")


def _entries(module: str, rules: dict[str, Rule]) -> Iterable[tuple[str, Rule]]:
    return ((f"{module}.{name}", rule) for name, rule in rules.items())


_REGISTRY: dict[str, Rule] = {
    "create_registered_model": anyone(E),
    "rename_registered_model": model(E),
    "update_registered_model": model(E),
    "delete_registered_model": model(M),
    "get_registered_model": model(R),
    "search_registered_models": anyone(),
    "get_latest_versions_post": model(R),
    "get_latest_versions_get": model(R),
    "set_registered_model_tag": model(E),
    "delete_registered_model_tag": model(E),
    "set_registered_model_alias": model(E),
    "delete_registered_model_alias": model(E),
    "get_model_version_by_alias": model(R),
    "create_model_version": both(model(E), one(VERSION_SOURCE, R, "source")),
    "update_model_version": model(E),
    "transition_model_version_stage": model(E),
    "delete_model_version": model(M),
    "get_model_version": model(R),
    "search_model_versions": anyone(),
    "get_model_version_download_uri": model(R),
    "set_model_version_tag": model(E),
    "delete_model_version_tag": model(E),
}

_EXPERIMENTS: dict[str, Rule] = {
    "create_experiment": anyone(E),
    "get_experiment": experiment(R),
    "get_experiment_by_name": one(EXPERIMENT_NAME, R, "experiment_name"),
    "search_experiments_post": anyone(),
    "search_experiments_get": anyone(),
    "update_experiment": experiment(E),
    "delete_experiment": experiment(M),
    "restore_experiment": experiment(M),
    "set_experiment_tag": experiment(E),
    "delete_experiment_tag": experiment(E),
    "search_datasets": each(EXPERIMENT_ID, R, "experiment_ids"),
}

_RUNS: dict[str, Rule] = {
    # A run without an experiment id goes to the Default experiment "0".
    "create_run": lambda a: [Need(EXPERIMENT_ID, a.get("experiment_id") or "0", E)],
    "get_run": run(R),
    "update_run": run(E),
    "delete_run": run(M),
    "restore_run": run(M),
    "search_runs": each(EXPERIMENT_ID, R, "experiment_ids"),
    "log_metric": run(E),
    "log_param": run(E),
    "set_tag": run(E),
    "delete_tag": run(E),
    "log_batch": run(E),
    "log_model": run(E),
    "log_inputs": run(E),
    "log_outputs": run(E),
    "get_metric_history": run(R),
    "get_metric_history_bulk_interval": each(RUN, R, "run_ids"),
}

_LOGGED_MODELS: dict[str, Rule] = {
    "create_logged_model": lambda a: [Need(EXPERIMENT_ID, a.get("experiment_id") or "0", E)],
    "search_logged_models": each(EXPERIMENT_ID, R, "experiment_ids"),
    "get_logged_model": logged_model(R),
    "finalize_logged_model": logged_model(E),
    "delete_logged_model": logged_model(M),
    "set_logged_model_tags": logged_model(E),
    "delete_logged_model_tag": logged_model(E),
    "log_logged_model_params": logged_model(E),
}

_ARTIFACTS: dict[str, Rule] = {
    "upload_artifact": artifact(E),
    "download_artifact": artifact(R),
    "list_artifacts": artifact(R),
    "delete_artifact": artifact(M),
    "create_multipart_upload": artifact(E),
    "upload_multipart_part": artifact(E),
    "complete_multipart_upload": artifact(E),
    "abort_multipart_upload": artifact(E),
}

_RUN_ARTIFACTS: dict[str, Rule] = {
    "list_artifacts": run(R),
    "list_logged_model_artifacts": logged_model(R),
}

_MLFLOW_USERS: dict[str, Rule] = {
    "create_user": admin(),
    "get_user": one(SELF_OR_ADMIN, R, "username"),
    "get_current_user": anyone(),
    "update_user_password": one(SELF_BY_PASSWORD, M, "username"),
    "update_user_admin": admin(),
    "delete_user": admin(),
    "create_experiment_permission": experiment(M),
    "get_experiment_permission": experiment(M),
    "update_experiment_permission": experiment(M),
    "delete_experiment_permission": experiment(M),
    "create_registered_model_permission": model(M),
    "get_registered_model_permission": model(M),
    "update_registered_model_permission": model(M),
    "delete_registered_model_permission": model(M),
}

_V1: dict[str, Rule] = {
    # Audit: the whole trail is an admin's; one model's events, whoever may read the model.
    "audit.list_audit_events": lambda a: (
        [Need(MODEL_NAME, a.get("model"), R)] if a.get("model") else [Need(ADMIN, None)]
    ),
    "audit.export_audit_events": admin(),
    "audit.verify_audit_chain": admin(),
    "history.alias_history": model(R),
    "history.stage_history": model(R),
    "history.rollback": model(E),
    "policies.put_default_policy": admin(),
    "policies.get_default_policy": anyone(),
    "policies.default_policy_history": anyone(),
    "policies.put_model_policy": model(M),
    "policies.get_model_policy": model(R),
    "policies.model_policy_history": model(R),
    "policies.promotion_check": model(R),
    "policies.promote": model(E),
    # Approving needs only to see the model: the policy names who may approve, and the
    # service refuses the requester (four-eyes) whatever their permissions.
    "approvals.request_approval": one(MODEL_NAME, E, "model"),
    # Without a model: the requests on models the caller may read (a ReadFilter).
    "approvals.list_approvals": one(MODEL_NAME, R, "model"),
    "approvals.get_approval": request(R),
    "approvals.approve": request(R),
    "approvals.reject": request(R),
    "approvals.cancel": request(R),
    "approvals.comment": request(R),
    "retention.apply_retention": model(M),
    "deployments.record_deployment": model(E),
    "deployments.version_deployments": model(R),
    "deployments.model_deployments": model(R),
    "lineage.version_lineage": model(R),
    "lineage.compare": model(R),
    "lineage.version_files": model(R),
    "users.list_users": admin(),
    "users.who_am_i": anyone(),
    "users.create_token": anyone(),
    "users.list_tokens": anyone(),
    "users.revoke_token": anyone(E),
    "users.list_groups": anyone(),
    "users.create_group": admin(),
    "users.delete_group": admin(),
    "users.add_group_member": admin(),
    "users.remove_group_member": admin(),
}

RULES: dict[str, Rule] = dict(
    [
        *_entries("mlflow.registry", _REGISTRY),
        *_entries("mlflow.tracking_experiments", _EXPERIMENTS),
        *_entries("mlflow.tracking_runs", _RUNS),
        *_entries("mlflow.logged_models", _LOGGED_MODELS),
        *_entries("mlflow.artifacts", _ARTIFACTS),
        *_entries("mlflow.run_artifacts", _RUN_ARTIFACTS),
        *_entries("mlflow.users", _MLFLOW_USERS),
        *_entries("v1", _V1),
        # Unknown MLflow endpoints answer 404 to anyone signed in.
        ("app.unknown", anyone()),
    ]
)


def rule_key(endpoint: Callable[..., Any]) -> str:
    return f"{endpoint.__module__.removeprefix('modelyard.api.')}.{endpoint.__name__}"
