"""Deployment records: record where a version was deployed (audited), list them per version or
per model."""

from __future__ import annotations

from modelyard.domain import deployments as rules
from modelyard.domain import names
from modelyard.domain.deployments import Deployment
from modelyard.domain.events import MODEL_VERSION, ActorLike, Target, as_actor
from modelyard.services import audit
from modelyard.services.common import model_row, now_ms, version_row
from modelyard.store import deployments
from modelyard.store.uow import UnitOfWork

RECORD = "model_version.record_deployment"


def record_deployment(
    uow: UnitOfWork,
    *,
    name: str | None,
    version: str | int | None,
    environment: str | None,
    endpoint: str | None = None,
    note: str | None = None,
    tags: dict[str, str] | None = None,
    deployed_at: int | None = None,
    actor: ActorLike = None,
) -> Deployment:
    """Record that `version` of `name` was deployed to `environment` (one audit event)."""
    name = names.validate_model_name(name)
    number = names.parse_version(version)
    env = rules.validate_environment(environment)
    names.check_text(endpoint or None, "endpoint", rules.MAX_ENDPOINT_LENGTH)
    names.check_text(note or None, "note", rules.MAX_NOTE_LENGTH)
    tag_map = names.validate_tags(list((tags or {}).items()))
    now = now_ms()
    at = rules.validate_deployed_at(deployed_at, now)
    with uow.write() as conn:
        # Locks the model as every registry write does, so a concurrent version delete waits.
        model = model_row(conn, name, for_update=True)
        row = version_row(conn, model, number)
        new_id = deployments.insert(
            conn,
            model_id=model.id,
            version_id=row.id,
            environment=env,
            endpoint=endpoint or None,
            deployed_at=at,
            actor=as_actor(actor).name,
            note=note or None,
            tags=tag_map,
        )
        audit.record(
            conn,
            actor,
            RECORD,
            Target(MODEL_VERSION, name, number),
            after={"deployment": new_id, "environment": env, "endpoint": endpoint or None},
        )
        return deployments.find(conn, model_id=model.id, deployment_id=new_id, limit=1)[0]


def list_deployments(
    uow: UnitOfWork,
    *,
    name: str | None,
    version: str | int | None = None,
    environment: str | None = None,
) -> list[Deployment]:
    """A model's deployment records (or one version's), newest first."""
    name = names.validate_model_name(name)
    number = None if version is None else names.parse_version(version)
    env = None if environment is None else rules.validate_environment(environment)
    with uow.read() as conn:
        model = model_row(conn, name)
        version_id = None if number is None else version_row(conn, model, number).id
        return deployments.find(
            conn,
            model_id=model.id,
            version_id=version_id,
            environment=env,
            limit=rules.MAX_DEPLOYMENTS_LISTED,
        )
