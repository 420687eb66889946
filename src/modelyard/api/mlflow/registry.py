"""MLflow's ModelRegistryService: the 21 endpoints the mlflow client calls.

These are the calls clients make most, so each route reads its request (`read_json`,
`read_query`) and the app's state (`uow_of`) itself rather than through FastAPI dependencies,
which took a fifth of a lookup's time, and calls its service through `run_service`: on the
event loop on SQLite, on the thread pool otherwise. See docs/performance.md.
"""

from __future__ import annotations

import functools

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from modelyard.api.deps import (
    actor_of,
    artifacts_of,
    reader_of,
    run_service,
    settings_of,
    uow_of,
)
from modelyard.api.mlflow import render
from modelyard.api.mlflow import schemas as s
from modelyard.api.mlflow.wire import json_response, read_json, read_query
from modelyard.domain import sources
from modelyard.services import aliases, registry, versions
from modelyard.services.system import UnitOfWork

router = APIRouter()
EMPTY = b"{}"


def _empty() -> Response:
    return Response(EMPTY, media_type="application/json")


@router.post("/registered-models/create")
async def create_registered_model(request: Request) -> Response:
    req = await read_json(request, s.CreateRegisteredModel)
    uow = uow_of(request)
    model = await run_service(
        registry.create_registered_model,
        uow,
        name=req.name,
        tags=s.tag_pairs(req.tags),
        description=req.description,
        actor=actor_of(request),
    )
    return json_response({"registered_model": render.registered_model(model)})


@router.post("/registered-models/rename")
async def rename_registered_model(request: Request) -> Response:
    req = await read_json(request, s.RenameRegisteredModel)
    uow = uow_of(request)
    model = await run_service(
        registry.rename_registered_model,
        uow,
        name=req.name,
        new_name=req.new_name,
        actor=actor_of(request),
    )
    return json_response({"registered_model": render.registered_model(model)})


@router.patch("/registered-models/update")
async def update_registered_model(request: Request) -> Response:
    req = await read_json(request, s.UpdateRegisteredModel)
    uow = uow_of(request)
    model = await run_service(
        registry.update_registered_model,
        uow,
        name=req.name,
        description=req.description,
        actor=actor_of(request),
    )
    return json_response({"registered_model": render.registered_model(model)})


@router.delete("/registered-models/delete")
async def delete_registered_model(request: Request) -> Response:
    req = await read_json(request, s.Name)
    uow = uow_of(request)
    await run_service(registry.delete_registered_model, uow, name=req.name, actor=actor_of(request))
    return _empty()


@router.get("/registered-models/get")
async def get_registered_model(request: Request) -> Response:
    req = read_query(request, s.Name)
    uow = uow_of(request)
    model = await run_service(registry.get_registered_model, uow, name=req.name)
    return json_response({"registered_model": render.registered_model(model)})


@router.get("/registered-models/search")
async def search_registered_models(request: Request) -> Response:
    req = read_query(request, s.Search)
    uow = uow_of(request)
    page = await run_service(
        registry.search_registered_models,
        uow,
        filter_string=req.filter,
        order_by=req.order_by,
        max_results=req.max_results,
        page_token=req.page_token,
        readable=reader_of(request),
    )
    out: dict[str, object] = {"registered_models": [render.registered_model(m) for m in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return json_response(out)


async def _latest_versions(req: s.GetLatestVersions, uow: UnitOfWork) -> Response:
    found = await run_service(
        registry.get_latest_versions, uow, name=req.name, stages_filter=req.stages
    )
    return json_response({"model_versions": [render.model_version(v) for v in found]})


@router.post("/registered-models/get-latest-versions")
async def get_latest_versions_post(request: Request) -> Response:
    req = await read_json(request, s.GetLatestVersions)
    uow = uow_of(request)
    return await _latest_versions(req, uow)


@router.get("/registered-models/get-latest-versions")
async def get_latest_versions_get(request: Request) -> Response:
    req = read_query(request, s.GetLatestVersions)
    uow = uow_of(request)
    return await _latest_versions(req, uow)


@router.post("/registered-models/set-tag")
async def set_registered_model_tag(request: Request) -> Response:
    req = await read_json(request, s.SetRegisteredModelTag)
    uow = uow_of(request)
    await run_service(
        registry.set_registered_model_tag,
        uow,
        name=req.name,
        key=req.key,
        value=req.value,
        actor=actor_of(request),
    )
    return _empty()


@router.delete("/registered-models/delete-tag")
async def delete_registered_model_tag(request: Request) -> Response:
    req = await read_json(request, s.DeleteRegisteredModelTag)
    uow = uow_of(request)
    await run_service(
        registry.delete_registered_model_tag,
        uow,
        name=req.name,
        key=req.key,
        actor=actor_of(request),
    )
    return _empty()


@router.post("/registered-models/alias")
async def set_registered_model_alias(request: Request) -> Response:
    req = await read_json(request, s.SetAlias)
    uow = uow_of(request)
    await run_service(
        aliases.set_registered_model_alias,
        uow,
        name=req.name,
        alias=req.alias,
        version=req.version,
        artifacts=artifacts_of(request),  # the policy's signature check reads MLmodel
        actor=actor_of(request),
    )
    return _empty()


@router.delete("/registered-models/alias")
async def delete_registered_model_alias(request: Request) -> Response:
    req = await read_json(request, s.Alias)
    uow = uow_of(request)
    await run_service(
        aliases.delete_registered_model_alias,
        uow,
        name=req.name,
        alias=req.alias,
        actor=actor_of(request),
    )
    return _empty()


@router.get("/registered-models/alias")
async def get_model_version_by_alias(request: Request) -> Response:
    req = read_query(request, s.Alias)
    uow = uow_of(request)
    version = await run_service(
        aliases.get_model_version_by_alias, uow, name=req.name, alias=req.alias
    )
    return json_response({"model_version": render.model_version(version)})


@router.post("/model-versions/create")
async def create_model_version(request: Request) -> Response:
    req = await read_json(request, s.CreateModelVersion)
    uow = uow_of(request)
    store, settings = artifacts_of(request), settings_of(request)
    # Registering from modelyard's own store copies the source's files: on the thread pool.
    # An external reference is one INSERT, called like any other service.
    external = settings.external_source_prefixes()
    create = functools.partial(
        versions.create_model_version,
        name=req.name,
        source=req.source,
        run_id=req.run_id,
        tags=s.tag_pairs(req.tags),
        run_link=req.run_link,
        description=req.description,
        model_id=req.model_id,
        artifacts=store,
        external_sources=external,
        actor=actor_of(request),
    )
    if sources.copies_files(req.source, external_prefixes=external):
        version = await run_in_threadpool(create, uow)
    else:
        version = await run_service(create, uow)
    return json_response({"model_version": render.model_version(version)})


@router.patch("/model-versions/update")
async def update_model_version(request: Request) -> Response:
    req = await read_json(request, s.UpdateModelVersion)
    uow = uow_of(request)
    version = await run_service(
        versions.update_model_version,
        uow,
        name=req.name,
        version=req.version,
        description=req.description,
        actor=actor_of(request),
    )
    return json_response({"model_version": render.model_version(version)})


@router.post("/model-versions/transition-stage")
async def transition_model_version_stage(request: Request) -> Response:
    req = await read_json(request, s.TransitionModelVersionStage)
    uow = uow_of(request)
    version = await run_service(
        versions.transition_model_version_stage,
        uow,
        name=req.name,
        version=req.version,
        stage=req.stage,
        archive_existing_versions=bool(req.archive_existing_versions),
        artifacts=artifacts_of(request),  # the policy's signature check reads MLmodel
        actor=actor_of(request),
    )
    return json_response({"model_version": render.model_version(version)})


@router.delete("/model-versions/delete")
async def delete_model_version(request: Request) -> Response:
    req = await read_json(request, s.NameVersion)
    uow = uow_of(request)
    await run_service(
        versions.delete_model_version,
        uow,
        name=req.name,
        version=req.version,
        actor=actor_of(request),
    )
    return _empty()


@router.get("/model-versions/get")
async def get_model_version(request: Request) -> Response:
    req = read_query(request, s.NameVersion)
    uow = uow_of(request)
    version = await run_service(versions.get_model_version, uow, name=req.name, version=req.version)
    return json_response({"model_version": render.model_version(version)})


@router.get("/model-versions/search")
async def search_model_versions(request: Request) -> Response:
    req = read_query(request, s.Search)
    uow = uow_of(request)
    page = await run_service(
        versions.search_model_versions,
        uow,
        filter_string=req.filter,
        order_by=req.order_by,
        max_results=req.max_results,
        page_token=req.page_token,
        readable=reader_of(request),
    )
    out: dict[str, object] = {"model_versions": [render.model_version(v) for v in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return json_response(out)


@router.get("/model-versions/get-download-uri")
async def get_model_version_download_uri(request: Request) -> Response:
    req = read_query(request, s.NameVersion)
    uow = uow_of(request)
    uri = await run_service(
        versions.get_model_version_download_uri, uow, name=req.name, version=req.version
    )
    return json_response({"artifact_uri": uri})


@router.post("/model-versions/set-tag")
async def set_model_version_tag(request: Request) -> Response:
    req = await read_json(request, s.SetModelVersionTag)
    uow = uow_of(request)
    await run_service(
        versions.set_model_version_tag,
        uow,
        name=req.name,
        version=req.version,
        key=req.key,
        value=req.value,
        actor=actor_of(request),
    )
    return _empty()


@router.delete("/model-versions/delete-tag")
async def delete_model_version_tag(request: Request) -> Response:
    req = await read_json(request, s.DeleteModelVersionTag)
    uow = uow_of(request)
    await run_service(
        versions.delete_model_version_tag,
        uow,
        name=req.name,
        version=req.version,
        key=req.key,
        actor=actor_of(request),
    )
    return _empty()
