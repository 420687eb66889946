# ruff: noqa: ARG005 -- each case is a lambda of (world, context); most use only one of them.
"""Every endpoint, MLflow-compatible and modelyard's own, with access control on: no
credentials, a wrong password, a revoked and an expired token get 401; a caller without enough
permission gets 403 and changes nothing; one with enough succeeds.

The matrix runs on SQLite: what it checks (the access rules) does not depend on the database;
the permission queries are tested on both in test_access_control.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from modelyard.api.access_rules import RULES, rule_key
from modelyard.api.app import create_app
from modelyard.api.mlflow import wire
from modelyard.config import Settings
from modelyard.services import users
from modelyard.services.common import now_ms
from modelyard.services.system import open_unit_of_work
from modelyard.store import users as user_store
from tests.api.access_world import API, PASSWORD, World, auth_world, basic

ART = "/api/2.0/mlflow-artifacts"
Fn = Callable[[World, dict[str, Any]], Any]


@dataclass
class Case:
    method: str
    path: Fn
    kwargs: Fn = field(default=lambda w, c: {})
    ok: str = "alice"
    # Who is refused (None: anyone signed in may call it).
    denied: str | None = "bob"
    denied_status: int = 403
    ok_status: int = 200
    # Runs after the refused call, before the allowed one; returns context for them.
    setup: Callable[[World], dict[str, Any]] | None = None


def body(fn: Callable[[World, dict[str, Any]], dict[str, Any]]) -> Fn:
    return lambda w, c: {"json": fn(w, c)}


def query(fn: Callable[[World, dict[str, Any]], dict[str, Any]]) -> Fn:
    return lambda w, c: {"params": fn(w, c)}


def at(path: str) -> Fn:
    """A path with {E} (experiment), {R} (run), {L} (logged model), {Q} (approval request)."""
    return lambda w, c: path.format(
        E=w.experiment_id, R=w.run_id, L=w.logged_model_id, Q=w.request_id, **c
    )


M1 = body(lambda w, c: {"name": "m", "version": "1"})
NAME = query(lambda w, c: {"name": "m"})
EXP = body(lambda w, c: {"experiment_id": w.experiment_id})
RUN = body(lambda w, c: {"run_id": w.run_id})
RUN_FILE = "{E}/{R}/artifacts/model/MLmodel"


def _deleted_experiment(w: World) -> dict[str, Any]:
    w.ok("alice", "POST", f"{API}/experiments/delete", json={"experiment_id": w.experiment_id})
    return {}


def _deleted_run(w: World) -> dict[str, Any]:
    w.ok("alice", "POST", f"{API}/runs/delete", json={"run_id": w.run_id})
    return {}


def _upload(w: World) -> dict[str, Any]:
    path = f"{w.experiment_id}/{w.run_id}/artifacts"
    made = w.ok(
        "alice", "POST", f"{ART}/mpu/create/{path}", json={"path": "big.bin", "num_parts": 1}
    )
    return {"upload_id": made["upload_id"]}


def _second_version(w: World) -> dict[str, Any]:
    source = {"name": "m", "source": f"runs:/{w.run_id}/model", "run_id": w.run_id}
    w.ok("alice", "POST", f"{API}/model-versions/create", json=source)
    alias = {"name": "m", "alias": "champion", "version": "2"}
    w.ok("alice", "POST", f"{API}/registered-models/alias", json=alias)
    return {}


def _bob_reads_m(w: World) -> dict[str, Any]:
    grant = {"name": "m", "username": "bob", "permission": "READ"}
    w.ok("alice", "POST", f"{API}/registered-models/permissions/create", json=grant)
    return {}


def _default_policy(w: World) -> dict[str, Any]:
    w.ok("admin", "PUT", "/api/v1/policies/default", json={"policy": {"rules": []}})
    return {}


CASES: dict[str, Case] = {
    # --- registry ---
    "mlflow.registry.create_registered_model": Case(
        "POST",
        at(f"{API}/registered-models/create"),
        body(lambda w, c: {"name": "n"}),
        denied="bob-read",
    ),
    "mlflow.registry.rename_registered_model": Case(
        "POST",
        at(f"{API}/registered-models/rename"),
        body(lambda w, c: {"name": "m", "new_name": "m2"}),
    ),
    "mlflow.registry.update_registered_model": Case(
        "PATCH",
        at(f"{API}/registered-models/update"),
        body(lambda w, c: {"name": "m", "description": "d"}),
    ),
    "mlflow.registry.delete_registered_model": Case(
        "DELETE", at(f"{API}/registered-models/delete"), body(lambda w, c: {"name": "m"})
    ),
    "mlflow.registry.get_registered_model": Case("GET", at(f"{API}/registered-models/get"), NAME),
    "mlflow.registry.search_registered_models": Case(
        "GET", at(f"{API}/registered-models/search"), denied=None
    ),
    "mlflow.registry.get_latest_versions_post": Case(
        "POST", at(f"{API}/registered-models/get-latest-versions"), body(lambda w, c: {"name": "m"})
    ),
    "mlflow.registry.get_latest_versions_get": Case(
        "GET", at(f"{API}/registered-models/get-latest-versions"), NAME
    ),
    "mlflow.registry.set_registered_model_tag": Case(
        "POST",
        at(f"{API}/registered-models/set-tag"),
        body(lambda w, c: {"name": "m", "key": "k2", "value": "v"}),
    ),
    "mlflow.registry.delete_registered_model_tag": Case(
        "DELETE",
        at(f"{API}/registered-models/delete-tag"),
        body(lambda w, c: {"name": "m", "key": "k"}),
    ),
    "mlflow.registry.set_registered_model_alias": Case(
        "POST",
        at(f"{API}/registered-models/alias"),
        body(lambda w, c: {"name": "m", "alias": "challenger", "version": "1"}),
    ),
    "mlflow.registry.delete_registered_model_alias": Case(
        "DELETE",
        at(f"{API}/registered-models/alias"),
        body(lambda w, c: {"name": "m", "alias": "champion"}),
    ),
    "mlflow.registry.get_model_version_by_alias": Case(
        "GET",
        at(f"{API}/registered-models/alias"),
        query(lambda w, c: {"name": "m", "alias": "champion"}),
    ),
    "mlflow.registry.create_model_version": Case(
        "POST",
        at(f"{API}/model-versions/create"),
        body(lambda w, c: {"name": "m", "source": f"runs:/{w.run_id}/model"}),
    ),
    "mlflow.registry.update_model_version": Case(
        "PATCH",
        at(f"{API}/model-versions/update"),
        body(lambda w, c: {"name": "m", "version": "1", "description": "d"}),
    ),
    "mlflow.registry.transition_model_version_stage": Case(
        "POST",
        at(f"{API}/model-versions/transition-stage"),
        body(
            lambda w, c: {
                "name": "m",
                "version": "1",
                "stage": "Staging",
                "archive_existing_versions": False,
            }
        ),
    ),
    "mlflow.registry.delete_model_version": Case("DELETE", at(f"{API}/model-versions/delete"), M1),
    "mlflow.registry.get_model_version": Case(
        "GET", at(f"{API}/model-versions/get"), query(lambda w, c: {"name": "m", "version": "1"})
    ),
    "mlflow.registry.search_model_versions": Case(
        "GET", at(f"{API}/model-versions/search"), denied=None
    ),
    "mlflow.registry.get_model_version_download_uri": Case(
        "GET",
        at(f"{API}/model-versions/get-download-uri"),
        query(lambda w, c: {"name": "m", "version": "1"}),
    ),
    "mlflow.registry.set_model_version_tag": Case(
        "POST",
        at(f"{API}/model-versions/set-tag"),
        body(lambda w, c: {"name": "m", "version": "1", "key": "k2", "value": "v"}),
    ),
    "mlflow.registry.delete_model_version_tag": Case(
        "DELETE",
        at(f"{API}/model-versions/delete-tag"),
        body(lambda w, c: {"name": "m", "version": "1", "key": "k"}),
    ),
    # --- experiments ---
    "mlflow.tracking_experiments.create_experiment": Case(
        "POST",
        at(f"{API}/experiments/create"),
        body(lambda w, c: {"name": "e2"}),
        denied="bob-read",
    ),
    "mlflow.tracking_experiments.get_experiment": Case(
        "GET",
        at(f"{API}/experiments/get"),
        query(lambda w, c: {"experiment_id": w.experiment_id}),
    ),
    "mlflow.tracking_experiments.get_experiment_by_name": Case(
        "GET", at(f"{API}/experiments/get-by-name"), query(lambda w, c: {"experiment_name": "e"})
    ),
    "mlflow.tracking_experiments.search_experiments_post": Case(
        "POST", at(f"{API}/experiments/search"), body(lambda w, c: {}), denied=None
    ),
    "mlflow.tracking_experiments.search_experiments_get": Case(
        "GET", at(f"{API}/experiments/search"), denied=None
    ),
    "mlflow.tracking_experiments.update_experiment": Case(
        "POST",
        at(f"{API}/experiments/update"),
        body(lambda w, c: {"experiment_id": w.experiment_id, "new_name": "e3"}),
    ),
    "mlflow.tracking_experiments.delete_experiment": Case(
        "POST", at(f"{API}/experiments/delete"), EXP
    ),
    "mlflow.tracking_experiments.restore_experiment": Case(
        "POST", at(f"{API}/experiments/restore"), EXP, setup=_deleted_experiment
    ),
    "mlflow.tracking_experiments.set_experiment_tag": Case(
        "POST",
        at(f"{API}/experiments/set-experiment-tag"),
        body(lambda w, c: {"experiment_id": w.experiment_id, "key": "k2", "value": "v"}),
    ),
    "mlflow.tracking_experiments.delete_experiment_tag": Case(
        "POST",
        at(f"{API}/experiments/delete-experiment-tag"),
        body(lambda w, c: {"experiment_id": w.experiment_id, "key": "k"}),
    ),
    "mlflow.tracking_experiments.search_datasets": Case(
        "POST",
        at(f"{API}/experiments/search-datasets"),
        body(lambda w, c: {"experiment_ids": [w.experiment_id]}),
    ),
    # --- runs ---
    "mlflow.tracking_runs.create_run": Case("POST", at(f"{API}/runs/create"), EXP),
    "mlflow.tracking_runs.get_run": Case(
        "GET", at(f"{API}/runs/get"), query(lambda w, c: {"run_id": w.run_id})
    ),
    "mlflow.tracking_runs.update_run": Case(
        "POST",
        at(f"{API}/runs/update"),
        body(lambda w, c: {"run_id": w.run_id, "status": "FINISHED"}),
    ),
    "mlflow.tracking_runs.delete_run": Case("POST", at(f"{API}/runs/delete"), RUN),
    "mlflow.tracking_runs.restore_run": Case(
        "POST", at(f"{API}/runs/restore"), RUN, setup=_deleted_run
    ),
    "mlflow.tracking_runs.search_runs": Case(
        "POST",
        at(f"{API}/runs/search"),
        body(lambda w, c: {"experiment_ids": [w.experiment_id]}),
    ),
    "mlflow.tracking_runs.log_metric": Case(
        "POST",
        at(f"{API}/runs/log-metric"),
        body(lambda w, c: {"run_id": w.run_id, "key": "b", "value": 2.0, "timestamp": 1}),
    ),
    "mlflow.tracking_runs.log_param": Case(
        "POST",
        at(f"{API}/runs/log-parameter"),
        body(lambda w, c: {"run_id": w.run_id, "key": "p", "value": "1"}),
    ),
    "mlflow.tracking_runs.set_tag": Case(
        "POST",
        at(f"{API}/runs/set-tag"),
        body(lambda w, c: {"run_id": w.run_id, "key": "k2", "value": "v"}),
    ),
    "mlflow.tracking_runs.delete_tag": Case(
        "POST", at(f"{API}/runs/delete-tag"), body(lambda w, c: {"run_id": w.run_id, "key": "k"})
    ),
    "mlflow.tracking_runs.log_batch": Case(
        "POST",
        at(f"{API}/runs/log-batch"),
        body(lambda w, c: {"run_id": w.run_id, "params": [{"key": "q", "value": "1"}]}),
    ),
    "mlflow.tracking_runs.log_model": Case(
        "POST",
        at(f"{API}/runs/log-model"),
        body(lambda w, c: {"run_id": w.run_id, "model_json": '{"artifact_path": "model"}'}),
    ),
    "mlflow.tracking_runs.log_inputs": Case(
        "POST", at(f"{API}/runs/log-inputs"), body(lambda w, c: {"run_id": w.run_id})
    ),
    "mlflow.tracking_runs.log_outputs": Case(
        "POST",
        at(f"{API}/runs/outputs"),
        body(
            lambda w, c: {
                "run_id": w.run_id,
                "models": [{"model_id": w.logged_model_id, "step": 0}],
            }
        ),
    ),
    "mlflow.tracking_runs.get_metric_history": Case(
        "GET",
        at(f"{API}/metrics/get-history"),
        query(lambda w, c: {"run_id": w.run_id, "metric_key": "a"}),
    ),
    "mlflow.tracking_runs.get_metric_history_bulk_interval": Case(
        "GET",
        at(f"{API}/metrics/get-history-bulk-interval"),
        query(lambda w, c: {"run_ids": [w.run_id], "metric_key": "a"}),
    ),
    # --- logged models ---
    "mlflow.logged_models.create_logged_model": Case("POST", at(f"{API}/logged-models"), EXP),
    "mlflow.logged_models.search_logged_models": Case(
        "POST",
        at(f"{API}/logged-models/search"),
        body(lambda w, c: {"experiment_ids": [w.experiment_id]}),
    ),
    "mlflow.logged_models.get_logged_model": Case("GET", at(f"{API}/logged-models/{{L}}")),
    "mlflow.logged_models.finalize_logged_model": Case(
        "PATCH",
        at(f"{API}/logged-models/{{L}}"),
        body(lambda w, c: {"model_id": w.logged_model_id, "status": "LOGGED_MODEL_READY"}),
    ),
    "mlflow.logged_models.delete_logged_model": Case("DELETE", at(f"{API}/logged-models/{{L}}")),
    "mlflow.logged_models.set_logged_model_tags": Case(
        "PATCH",
        at(f"{API}/logged-models/{{L}}/tags"),
        body(lambda w, c: {"tags": [{"key": "k2", "value": "v"}]}),
    ),
    "mlflow.logged_models.delete_logged_model_tag": Case(
        "DELETE", at(f"{API}/logged-models/{{L}}/tags/k")
    ),
    "mlflow.logged_models.log_logged_model_params": Case(
        "POST",
        at(f"{API}/logged-models/{{L}}/params"),
        body(lambda w, c: {"params": [{"key": "p", "value": "1"}]}),
    ),
    # --- artifacts ---
    "mlflow.artifacts.upload_artifact": Case(
        "PUT", at(f"{ART}/artifacts/{{E}}/{{R}}/artifacts/x.txt"), lambda w, c: {"content": b"x"}
    ),
    "mlflow.artifacts.download_artifact": Case("GET", at(f"{ART}/artifacts/{RUN_FILE}")),
    "mlflow.artifacts.list_artifacts": Case(
        "GET",
        at(f"{ART}/artifacts"),
        query(lambda w, c: {"path": f"{w.experiment_id}/{w.run_id}/artifacts"}),
    ),
    "mlflow.artifacts.delete_artifact": Case("DELETE", at(f"{ART}/artifacts/{RUN_FILE}")),
    "mlflow.artifacts.create_multipart_upload": Case(
        "POST",
        at(f"{ART}/mpu/create/{{E}}/{{R}}/artifacts"),
        body(lambda w, c: {"path": "big.bin", "num_parts": 1}),
    ),
    "mlflow.artifacts.upload_multipart_part": Case(
        "PUT",
        at(f"{ART}/mpu/part/{{E}}/{{R}}/artifacts/big.bin"),
        lambda w, c: {
            "content": b"x",
            "params": {"upload_id": c.get("upload_id", "u"), "part_number": 1},
        },
        setup=_upload,
    ),
    "mlflow.artifacts.complete_multipart_upload": Case(
        "POST",
        at(f"{ART}/mpu/complete/{{E}}/{{R}}/artifacts"),
        body(lambda w, c: {"path": "big.bin", "upload_id": c.get("upload_id", "u"), "parts": []}),
        setup=_upload,
        ok_status=400,  # no parts: refused, but past the access check
    ),
    "mlflow.artifacts.abort_multipart_upload": Case(
        "POST",
        at(f"{ART}/mpu/abort/{{E}}/{{R}}/artifacts"),
        body(lambda w, c: {"path": "big.bin", "upload_id": c.get("upload_id", "u")}),
        setup=_upload,
    ),
    "mlflow.run_artifacts.list_artifacts": Case(
        "GET", at(f"{API}/artifacts/list"), query(lambda w, c: {"run_id": w.run_id})
    ),
    "mlflow.run_artifacts.list_logged_model_artifacts": Case(
        "GET", at(f"{API}/logged-models/{{L}}/artifacts/directories")
    ),
    # --- MLflow's user and permission endpoints ---
    "mlflow.users.create_user": Case(
        "POST",
        at(f"{API}/users/create"),
        body(lambda w, c: {"username": "carol", "password": "carols password"}),
        ok="admin",
        denied="alice",
    ),
    "mlflow.users.get_user": Case(
        "GET", at(f"{API}/users/get"), query(lambda w, c: {"username": "alice"})
    ),
    "mlflow.users.get_current_user": Case("GET", at(f"{API}/users/current"), denied=None),
    "mlflow.users.update_user_password": Case(
        "PATCH",
        at(f"{API}/users/update-password"),
        body(lambda w, c: {"username": "alice", "password": "another password"}),
        ok="admin",  # alice herself only with her password: test_a_token_cannot_take_over...
    ),
    "mlflow.users.update_user_admin": Case(
        "PATCH",
        at(f"{API}/users/update-admin"),
        body(lambda w, c: {"username": "bob", "is_admin": True}),
        ok="admin",
        denied="alice",
    ),
    "mlflow.users.delete_user": Case(
        "DELETE",
        at(f"{API}/users/delete"),
        body(lambda w, c: {"username": "bob"}),
        ok="admin",
        denied="alice",
    ),
    "mlflow.users.create_experiment_permission": Case(
        "POST",
        at(f"{API}/experiments/permissions/create"),
        body(
            lambda w, c: {"experiment_id": w.experiment_id, "username": "bob", "permission": "READ"}
        ),
    ),
    "mlflow.users.get_experiment_permission": Case(
        "GET",
        at(f"{API}/experiments/permissions/get"),
        query(lambda w, c: {"experiment_id": w.experiment_id, "username": "alice"}),
    ),
    "mlflow.users.update_experiment_permission": Case(
        "PATCH",
        at(f"{API}/experiments/permissions/update"),
        body(
            lambda w, c: {
                "experiment_id": w.experiment_id,
                "username": "alice",
                "permission": "MANAGE",
            }
        ),
    ),
    "mlflow.users.delete_experiment_permission": Case(
        "DELETE",
        at(f"{API}/experiments/permissions/delete"),
        body(lambda w, c: {"experiment_id": w.experiment_id, "username": "alice"}),
    ),
    "mlflow.users.create_registered_model_permission": Case(
        "POST",
        at(f"{API}/registered-models/permissions/create"),
        body(lambda w, c: {"name": "m", "username": "bob", "permission": "READ"}),
    ),
    "mlflow.users.get_registered_model_permission": Case(
        "GET",
        at(f"{API}/registered-models/permissions/get"),
        query(lambda w, c: {"name": "m", "username": "alice"}),
    ),
    "mlflow.users.update_registered_model_permission": Case(
        "PATCH",
        at(f"{API}/registered-models/permissions/update"),
        body(lambda w, c: {"name": "m", "username": "alice", "permission": "MANAGE"}),
    ),
    "mlflow.users.delete_registered_model_permission": Case(
        "DELETE",
        at(f"{API}/registered-models/permissions/delete"),
        body(lambda w, c: {"name": "m", "username": "alice"}),
    ),
    # --- modelyard's own API ---
    "v1.audit.list_audit_events": Case(
        "GET", at("/api/v1/audit-events"), query(lambda w, c: {"model": "m"})
    ),
    "v1.audit.export_audit_events": Case(
        "GET", at("/api/v1/audit-events/export"), ok="admin", denied="alice"
    ),
    "v1.audit.verify_audit_chain": Case(
        "GET", at("/api/v1/audit-events/verify"), ok="admin", denied="alice"
    ),
    "v1.history.alias_history": Case("GET", at("/api/v1/models/m/aliases/champion/history")),
    "v1.history.stage_history": Case("GET", at("/api/v1/models/m/stages/Production/history")),
    "v1.history.rollback": Case(
        "POST",
        at("/api/v1/models/m/rollback"),
        body(lambda w, c: {"alias": "champion"}),
        setup=_second_version,
    ),
    "v1.policies.put_default_policy": Case(
        "PUT",
        at("/api/v1/policies/default"),
        body(lambda w, c: {"policy": {"rules": []}}),
        ok="admin",
        denied="alice",
    ),
    "v1.policies.get_default_policy": Case(
        "GET", at("/api/v1/policies/default"), denied=None, setup=_default_policy
    ),
    "v1.policies.default_policy_history": Case(
        "GET", at("/api/v1/policies/default/history"), denied=None
    ),
    "v1.policies.put_model_policy": Case(
        "PUT", at("/api/v1/models/m/policy"), body(lambda w, c: {"policy": {"rules": []}})
    ),
    "v1.policies.get_model_policy": Case("GET", at("/api/v1/models/m/policy")),
    "v1.policies.model_policy_history": Case("GET", at("/api/v1/models/m/policy/history")),
    "v1.policies.promotion_check": Case(
        "POST",
        at("/api/v1/models/m/versions/1/promotion-check"),
        body(lambda w, c: {"stage": "Staging"}),
    ),
    "v1.policies.promote": Case(
        "POST", at("/api/v1/models/m/versions/1/promote"), body(lambda w, c: {"stage": "Staging"})
    ),
    "v1.approvals.request_approval": Case(
        "POST",
        at("/api/v1/approvals"),
        body(lambda w, c: {"model": "m", "version": 1, "alias": "prod"}),
    ),
    "v1.approvals.list_approvals": Case(
        "GET", at("/api/v1/approvals"), query(lambda w, c: {"model": "m"})
    ),
    "v1.approvals.get_approval": Case("GET", at("/api/v1/approvals/{Q}")),
    "v1.approvals.approve": Case(
        "POST",
        at("/api/v1/approvals/{Q}/approve"),
        body(lambda w, c: {}),
        ok="bob",
        denied="bob",
        setup=_bob_reads_m,
    ),
    "v1.approvals.reject": Case(
        "POST",
        at("/api/v1/approvals/{Q}/reject"),
        body(lambda w, c: {}),
        ok="bob",
        denied="bob",
        setup=_bob_reads_m,
    ),
    "v1.approvals.cancel": Case("POST", at("/api/v1/approvals/{Q}/cancel")),
    "v1.approvals.comment": Case(
        "POST", at("/api/v1/approvals/{Q}/comments"), body(lambda w, c: {"comment": "ok"})
    ),
    "v1.retention.apply_retention": Case(
        "POST", at("/api/v1/models/m/retention"), body(lambda w, c: {"keep": 1, "dry_run": True})
    ),
    "v1.deployments.record_deployment": Case(
        "POST",
        at("/api/v1/models/m/versions/1/deployments"),
        body(lambda w, c: {"environment": "prod"}),
    ),
    "v1.deployments.version_deployments": Case(
        "GET", at("/api/v1/models/m/versions/1/deployments")
    ),
    "v1.deployments.model_deployments": Case("GET", at("/api/v1/models/m/deployments")),
    "v1.lineage.version_lineage": Case("GET", at("/api/v1/models/m/versions/1/lineage")),
    "v1.lineage.compare": Case(
        "GET", at("/api/v1/models/m/compare"), query(lambda w, c: {"a": "1", "b": "1"})
    ),
    "v1.lineage.version_files": Case("GET", at("/api/v1/models/m/versions/1/files")),
    "v1.users.who_am_i": Case("GET", at("/api/v1/me"), denied=None),
    "v1.users.list_users": Case("GET", at("/api/v1/users"), ok="admin", denied="alice"),
    "v1.users.create_token": Case(
        "POST",
        at("/api/v1/tokens"),
        body(lambda w, c: {"name": "t", "scope": "write"}),
        denied="bob-read",
    ),
    "v1.users.list_tokens": Case(
        "GET", at("/api/v1/tokens"), query(lambda w, c: {"username": "alice"})
    ),
    "v1.users.revoke_token": Case(
        "DELETE",
        lambda w, c: f"/api/v1/tokens/{w.token_ids['alice-read']}",
        denied_status=404,  # someone else's token: as if it did not exist
    ),
    "v1.users.list_groups": Case("GET", at("/api/v1/groups"), denied=None),
    "v1.users.create_group": Case(
        "POST",
        at("/api/v1/groups"),
        body(lambda w, c: {"name": "ops"}),
        ok="admin",
        denied="alice",
    ),
    "v1.users.delete_group": Case("DELETE", at("/api/v1/groups/leads"), ok="admin", denied="alice"),
    "v1.users.add_group_member": Case(
        "PUT", at("/api/v1/groups/leads/members/bob"), ok="admin", denied="alice"
    ),
    "v1.users.remove_group_member": Case(
        "DELETE", at("/api/v1/groups/leads/members/alice"), ok="admin", denied="alice"
    ),
    "app.unknown": Case("GET", at(f"{API}/no-such-endpoint"), denied=None, ok_status=404),
}


@pytest.fixture
def world(sqlite_url: str, tmp_path: Any) -> Iterator[World]:
    settings = Settings(
        database_url=sqlite_url,
        data_dir=tmp_path / "data",
        external_sources="s3://bucket/",
        default_permission="NO_PERMISSIONS",
    )
    with auth_world(settings) as w:
        yield w


def _routes(app: Any) -> set[str]:
    keys: set[str] = set()

    def walk(routes: Any) -> None:
        for route in routes:
            if hasattr(route, "original_router"):
                walk(route.original_router.routes)
            elif hasattr(route, "endpoint") and route.endpoint.__module__.startswith("modelyard"):
                keys.add(rule_key(route.endpoint))

    walk(app.routes)
    return keys - {"app.health"}


def test_every_route_has_an_access_rule_and_a_case(tmp_path: Any) -> None:
    app = create_app(Settings(data_dir=tmp_path, auth=True))
    routes = _routes(app)
    assert routes - set(RULES) == set(), "routes without an access rule"
    assert set(RULES) - routes == set(), "rules for routes that do not exist"
    assert routes - set(CASES) == set(), "routes the matrix does not try"


def _request(world: World, case: Case, who: str | None, ctx: dict[str, Any], **extra: Any) -> Any:
    return world.call(who, case.method, case.path(world, ctx), **case.kwargs(world, ctx), **extra)


@pytest.mark.parametrize("key", sorted(CASES))
def test_refused_without_valid_credentials(world: World, key: str) -> None:
    case = CASES[key]
    uow = open_unit_of_work(world.settings)
    try:
        expired, expired_secret = users.create_token(
            uow, username="alice", name="old", scope="write", expires_in_days=1
        )
        with uow.write() as conn:
            user_store.update_token_expiry(conn, expired.id, now_ms() - 1)
        users.revoke_token(uow, token_id=world.token_ids["alice"])
    finally:
        uow.dispose()
    attempts = {
        "no credentials": {},
        "wrong password": basic("alice", PASSWORD + "!"),
        "unknown user": basic("mallory", PASSWORD),
        "revoked token": {"Authorization": f"Bearer {world.tokens['alice']}"},
        "expired token": {"Authorization": f"Bearer {expired_secret}"},
        "malformed": {"Authorization": "Basic %%%"},
    }
    for what, headers in attempts.items():
        response = _request(world, case, None, {}, headers=headers)
        assert response.status_code == 401, (what, response.text)
        assert response.json()["error_code"] == "UNAUTHENTICATED"
        assert response.headers["www-authenticate"].startswith("Basic ")


@pytest.mark.parametrize("key", sorted(CASES))
def test_permission_decides(world: World, key: str) -> None:
    case = CASES[key]
    if case.denied is not None:
        before = world.ok("admin", "GET", "/api/v1/audit-events/verify")["checked"]
        refused = _request(world, case, case.denied, {})
        assert refused.status_code == case.denied_status, refused.text
        # Refused means nothing written: not even an audit event.
        assert world.ok("admin", "GET", "/api/v1/audit-events/verify")["checked"] == before
    ctx = case.setup(world) if case.setup else {}
    allowed = _request(world, case, case.ok, ctx)
    assert allowed.status_code == case.ok_status, allowed.text


def test_password_login_works_everywhere_a_token_does(world: World) -> None:
    got = world.client.get(
        f"{API}/registered-models/get", params={"name": "m"}, headers=basic("alice", PASSWORD)
    )
    assert got.status_code == 200
    assert got.json()["registered_model"]["name"] == "m"


def test_a_token_cannot_take_over_its_account(world: World) -> None:
    """A leaked token, even a write one, cannot change its owner's password; a read token
    cannot revoke its owner's other tokens."""
    change = {"username": "alice", "password": "taken over!"}
    for who in ("alice-read", "alice"):
        refused = world.call(who, "PATCH", f"{API}/users/update-password", json=change)
        assert refused.status_code == 403, refused.text
    revoke = world.call("alice-read", "DELETE", f"/api/v1/tokens/{world.token_ids['alice']}")
    assert revoke.status_code == 403
    signed_in = basic("alice", PASSWORD)
    changed = world.client.patch(f"{API}/users/update-password", json=change, headers=signed_in)
    assert changed.status_code == 200


def test_a_large_json_artifact_streams_through_the_guard(world: World) -> None:
    """The mlflow client sends a `.json` artifact as application/json: the access check must
    not read an upload's body (it streams, and may exceed any JSON limit)."""
    size = wire.MAX_JSON_BODY_BYTES + 1024
    path = f"{ART}/artifacts/{world.experiment_id}/{world.run_id}/artifacts/big.json"
    headers = {"Content-Type": "application/json"}
    put = world.call("alice", "PUT", path, content=b"1" * size, headers=headers)
    assert put.status_code == 200, put.text
    listed = world.ok(
        "alice",
        "GET",
        f"{ART}/artifacts",
        params={"path": f"{world.experiment_id}/{world.run_id}/artifacts"},
    )
    sizes = {f["path"]: int(f.get("file_size", 0)) for f in listed["files"]}
    assert sizes["big.json"] == size
