"""Model versions: create, read, describe, tag, delete, search, and stage transitions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from modelyard.artifacts.base import ArtifactStore
from modelyard.domain import filters, names, pagination, sources, stages
from modelyard.domain import policies as policy_rules
from modelyard.domain.events import MODEL_VERSION, ActorLike, Target
from modelyard.domain.registry import PENDING_REGISTRATION, READY, ModelVersion, Page
from modelyard.errors import InvalidParameter, NotFound
from modelyard.services import (
    access,
    audit,
    history,
    policies,
    registration_leases,
    version_files,
)
from modelyard.services.access import ReadFilter
from modelyard.services.common import model_row, now_ms, user_id_of, version_row
from modelyard.store import history as stage_history
from modelyard.store import registry, search, versions
from modelyard.store.uow import UnitOfWork

TRANSITION = "model_version.transition_stage"


def create_model_version(
    uow: UnitOfWork,
    *,
    name: str | None,
    source: str | None,
    run_id: str | None = None,
    tags: list[tuple[str, str]] | None = None,
    run_link: str | None = None,
    description: str | None = None,
    model_id: str | None = None,
    actor: ActorLike = None,
    artifacts: ArtifactStore | None = None,
    external_sources: Sequence[str] = (),
) -> ModelVersion:
    """Register a new version of `name` from `source`.

    A source in modelyard's artifact store (runs:/, models:/, mlflow-artifacts:/) has its files
    copied into the version's own immutable storage: the version is PENDING_REGISTRATION while
    they are copied, then READY, or FAILED_REGISTRATION with the reason. A source under one of
    `external_sources` is kept as a reference, READY at once. Anything else is refused.

    Raises:
        InvalidParameter: bad input, or a source outside the store; nothing is written.
        NotFound: the model, or the run, logged model or version the source names.
    """
    name = names.validate_model_name(name)
    source = names.require(source, "source")
    names.check_text(source, "source", names.MAX_SOURCE_LENGTH)
    tag_map = names.validate_tags(tags)
    names.check_text(run_id, "run_id", names.MAX_RUN_ID_LENGTH)
    names.check_text(run_link, "run_link", names.MAX_RUN_LINK_LENGTH)
    names.check_text(description, "description", names.MAX_DESCRIPTION_LENGTH)
    names.check_text(model_id, "model_id", names.MAX_RUN_ID_LENGTH)
    parsed = sources.parse_source(source, external_prefixes=external_sources)
    draft = _Draft(name, source, tag_map, run_link or None, description, actor)
    if isinstance(parsed, sources.ExternalReference):
        return _insert_version(
            uow, draft, status=READY, run_id=run_id or None, model_id=model_id or None
        )[0]
    if artifacts is None:
        raise InvalidParameter("This server keeps no artifacts; register external sources only.")
    with uow.read() as conn:
        model_row(conn, name)
        origin = version_files.resolve_origin(
            conn, parsed, run_id=run_id or None, model_id=model_id or None
        )
    version_files.check_root(artifacts, origin)
    _, version_pk = _insert_version(
        uow, draft, status=PENDING_REGISTRATION, run_id=origin.run_id, model_id=origin.model_id
    )
    return version_files.finish_registration(
        uow, artifacts, version_pk=version_pk, origin=origin, actor=actor
    )


@dataclass(frozen=True, slots=True)
class _Draft:
    """What the client asked for, validated; the lineage comes from the source."""

    name: str
    source: str
    tags: dict[str, str]
    run_link: str | None
    description: str | None
    actor: ActorLike


def _insert_version(
    uow: UnitOfWork, draft: _Draft, *, status: str, run_id: str | None, model_id: str | None
) -> tuple[ModelVersion, int]:
    with uow.write() as conn:
        now = now_ms()
        allocated = registry.allocate_version(conn, draft.name, now)
        if allocated is None:
            raise NotFound(f"Registered Model with name={draft.name} not found")
        model_pk, number = allocated
        row = versions.insert_version(
            conn,
            model_id=model_pk,
            version=number,
            creation_time=now,
            last_updated_time=now,
            user_id=user_id_of(draft.actor),
            current_stage=stages.NONE,
            description=draft.description,
            source=draft.source,
            run_id=run_id,
            run_link=draft.run_link,
            status=status,
            logged_model_id=model_id,
            registration_expires=(
                registration_leases.lease_end(now) if status == PENDING_REGISTRATION else None
            ),
        )
        versions.set_version_tags(conn, row.id, draft.tags)
        audit.record(
            conn,
            draft.actor,
            "model_version.create",
            Target(MODEL_VERSION, draft.name, number),
            after={"source": draft.source, "run_id": run_id, "status": status},
        )
        return versions.to_version(row, draft.name, draft.tags, []), row.id


def get_model_version(
    uow: UnitOfWork, *, name: str | None, version: str | int | None
) -> ModelVersion:
    name = names.validate_model_name(name)
    number = names.parse_version(version)
    with uow.read() as conn:
        # On a miss, version_row raises the precise NotFound (model or version).
        row = versions.find_version_by_name(conn, name, number) or version_row(
            conn, model_row(conn, name), number
        )
        return versions.load_versions(conn, [row])[0]


def update_model_version(
    uow: UnitOfWork,
    *,
    name: str | None,
    version: str | int | None,
    description: str | None,
    actor: ActorLike = None,
) -> ModelVersion:
    name = names.validate_model_name(name)
    number = names.parse_version(version)
    names.check_text(description, "description", names.MAX_DESCRIPTION_LENGTH)
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        row = version_row(conn, model, number)
        versions.update_version(conn, row.id, description=description, last_updated_time=now_ms())
        audit.record(
            conn,
            actor,
            "model_version.update",
            Target(MODEL_VERSION, name, number),
            before={"description": row.description},
            after={"description": description},
        )
        return versions.load_versions(conn, [version_row(conn, model, number)])[0]


def transition_model_version_stage(
    uow: UnitOfWork,
    *,
    name: str | None,
    version: str | int | None,
    stage: str | None,
    archive_existing_versions: bool = False,
    actor: ActorLike = None,
    artifacts: ArtifactStore | None = None,
) -> ModelVersion:
    name = names.validate_model_name(name)
    number = names.parse_version(version)
    target = stages.canonical_stage(stage)
    stages.check_archive_existing(target, archive_existing_versions)
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        row = version_row(conn, model, number)
        if target in stages.ACTIVE_STAGES:
            stages.check_serves(row.status, version=number, what=f"enter {target}")
        # The promotion policy, in this transaction: a refusal (403) writes nothing.
        verdict = policies.enforce(
            conn, model, row, policy_rules.Target(policy_rules.STAGE, target), artifacts=artifacts
        )
        archive_existing_versions = archive_existing_versions or verdict.archive_existing
        now = now_ms()
        archived = (
            stage_history.versions_in_stage(conn, model.id, target, except_id=row.id)
            if archive_existing_versions
            else []
        )
        versions.update_version(conn, row.id, current_stage=target, last_updated_time=now)
        if archive_existing_versions:
            versions.archive_stage(
                conn, model_id=model.id, stage=target, keep_version_id=row.id, now=now
            )
        registry.update_model(conn, model.id, last_updated_time=now)
        _stage_recorded(
            conn,
            model,
            (number, row.current_stage, target),
            archived,
            actor,
            now,
            policy=policies.policy_ref(verdict.policy),
        )
        return versions.load_versions(conn, [version_row(conn, model, number)])[0]


def _stage_recorded(
    conn: sa.Connection,
    model: sa.Row[Any],
    move: tuple[int, str, str],
    archived: list[int],
    actor: ActorLike,
    now: int,
    *,
    policy: dict[str, Any] | None,
) -> None:
    number, from_stage, target = move
    moves = [move, *((v, target, stages.ARCHIVED) for v in archived)]
    history.stages_changed(conn, model.id, moves, actor=actor, action=TRANSITION, now=now)
    after: dict[str, object] = {"current_stage": target}
    if archived:
        after["archived_versions"] = archived
    # Which policy version allowed the change (None: no policy).
    after["policy"] = policy
    audit.record(
        conn,
        actor,
        TRANSITION,
        Target(MODEL_VERSION, model.name, number),
        before={"current_stage": from_stage},
        after=after,
    )


def delete_model_version(
    uow: UnitOfWork, *, name: str | None, version: str | int | None, actor: ActorLike = None
) -> None:
    name = names.validate_model_name(name)
    number = names.parse_version(version)
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        row = version_row(conn, model, number)
        versions.delete_version(conn, row.id)
        registry.update_model(conn, model.id, last_updated_time=now_ms())
        audit.record(
            conn,
            actor,
            "model_version.delete",
            Target(MODEL_VERSION, name, number),
            before={"current_stage": row.current_stage, "source": row.source},
        )


def set_model_version_tag(
    uow: UnitOfWork,
    *,
    name: str | None,
    version: str | int | None,
    key: str | None,
    value: str | None,
    actor: ActorLike = None,
) -> None:
    name = names.validate_model_name(name)
    number = names.parse_version(version)
    key, value = names.validate_tag(key, value)
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        row = version_row(conn, model, number)
        versions.set_version_tags(conn, row.id, {key: value})
        versions.update_version(conn, row.id, last_updated_time=now_ms())
        audit.record(
            conn,
            actor,
            "model_version.set_tag",
            Target(MODEL_VERSION, name, number),
            after={"tags": {key: value}},
        )


def delete_model_version_tag(
    uow: UnitOfWork,
    *,
    name: str | None,
    version: str | int | None,
    key: str | None,
    actor: ActorLike = None,
) -> None:
    name = names.validate_model_name(name)
    number = names.parse_version(version)
    key = names.validate_tag_key(key)
    with uow.write() as conn:
        model = model_row(conn, name, for_update=True)
        row = version_row(conn, model, number)
        if versions.delete_version_tag(conn, row.id, key):  # a missing tag changes nothing
            versions.update_version(conn, row.id, last_updated_time=now_ms())
            audit.record(
                conn,
                actor,
                "model_version.delete_tag",
                Target(MODEL_VERSION, name, number),
                before={"tag_key": key},
            )


def get_model_version_download_uri(
    uow: UnitOfWork, *, name: str | None, version: str | int | None
) -> str:
    found = get_model_version(uow, name=name, version=version)
    return found.storage_location or found.source or ""


def search_model_versions(
    uow: UnitOfWork,
    *,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
    max_results: int | None = None,
    page_token: str | None = None,
    readable: ReadFilter | None = None,
) -> Page[ModelVersion]:
    limit = pagination.check_max_results(
        max_results,
        default=pagination.DEFAULT_MODEL_VERSIONS_PER_PAGE,
        limit=pagination.MAX_MODEL_VERSIONS_PER_PAGE,
    )
    where = search.model_version_where(filters.parse_model_version_filter(filter_string))
    where += access.readable_versions(readable)
    order = search.model_version_order(filters.parse_model_version_order_by(order_by))
    offset = pagination.decode_offset(page_token)
    with uow.read() as conn:
        rows = versions.search_versions(
            conn, where=where, order=order, offset=offset, limit=limit + 1
        )
        found = versions.load_versions(conn, rows[:limit])
    next_token = pagination.encode_offset(offset + limit) if len(rows) > limit else None
    return Page(items=found, next_page_token=next_token)
