"""MLflow's ModelRegistryService: the 21 endpoints the mlflow client calls."""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from starlette.concurrency import run_in_threadpool

from modelyard.api.deps import ArtifactsDep, SettingsDep, UowDep, run_service
from modelyard.api.mlflow import render
from modelyard.api.mlflow import schemas as s
from modelyard.api.mlflow.wire import json_body, json_response, query_params
from modelyard.domain import sources
from modelyard.errors import InvalidParameter
from modelyard.services import aliases, registry, versions

router = APIRouter()
EMPTY = b"{}"


def _empty() -> Response:
    return Response(EMPTY, media_type="application/json")


@router.post("/registered-models/create")
async def create_registered_model(
    req: Annotated[s.CreateRegisteredModel, Depends(json_body(s.CreateRegisteredModel))],
    uow: UowDep,
) -> Response:
    model = await run_service(
        registry.create_registered_model,
        uow,
        name=req.name,
        tags=s.tag_pairs(req.tags),
        description=req.description,
    )
    return json_response({"registered_model": render.registered_model(model)})


@router.post("/registered-models/rename")
async def rename_registered_model(
    req: Annotated[s.RenameRegisteredModel, Depends(json_body(s.RenameRegisteredModel))],
    uow: UowDep,
) -> Response:
    model = await run_service(
        registry.rename_registered_model, uow, name=req.name, new_name=req.new_name
    )
    return json_response({"registered_model": render.registered_model(model)})


@router.patch("/registered-models/update")
async def update_registered_model(
    req: Annotated[s.UpdateRegisteredModel, Depends(json_body(s.UpdateRegisteredModel))],
    uow: UowDep,
) -> Response:
    model = await run_service(
        registry.update_registered_model, uow, name=req.name, description=req.description
    )
    return json_response({"registered_model": render.registered_model(model)})


@router.delete("/registered-models/delete")
async def delete_registered_model(
    req: Annotated[s.Name, Depends(json_body(s.Name))], uow: UowDep
) -> Response:
    await run_service(registry.delete_registered_model, uow, name=req.name)
    return _empty()


@router.get("/registered-models/get")
async def get_registered_model(
    req: Annotated[s.Name, Depends(query_params(s.Name))], uow: UowDep
) -> Response:
    model = await run_service(registry.get_registered_model, uow, name=req.name)
    return json_response({"registered_model": render.registered_model(model)})


@router.get("/registered-models/search")
async def search_registered_models(
    req: Annotated[s.Search, Depends(query_params(s.Search))], uow: UowDep
) -> Response:
    page = await run_service(
        registry.search_registered_models,
        uow,
        filter_string=req.filter,
        order_by=req.order_by,
        max_results=req.max_results,
        page_token=req.page_token,
    )
    out: dict[str, object] = {"registered_models": [render.registered_model(m) for m in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return json_response(out)


async def _latest_versions(req: s.GetLatestVersions, uow: UowDep) -> Response:
    found = await run_service(
        registry.get_latest_versions, uow, name=req.name, stages_filter=req.stages
    )
    return json_response({"model_versions": [render.model_version(v) for v in found]})


@router.post("/registered-models/get-latest-versions")
async def get_latest_versions_post(
    req: Annotated[s.GetLatestVersions, Depends(json_body(s.GetLatestVersions))], uow: UowDep
) -> Response:
    return await _latest_versions(req, uow)


@router.get("/registered-models/get-latest-versions")
async def get_latest_versions_get(
    req: Annotated[s.GetLatestVersions, Depends(query_params(s.GetLatestVersions))], uow: UowDep
) -> Response:
    return await _latest_versions(req, uow)


@router.post("/registered-models/set-tag")
async def set_registered_model_tag(
    req: Annotated[s.SetRegisteredModelTag, Depends(json_body(s.SetRegisteredModelTag))],
    uow: UowDep,
) -> Response:
    await run_service(
        registry.set_registered_model_tag, uow, name=req.name, key=req.key, value=req.value
    )
    return _empty()


@router.delete("/registered-models/delete-tag")
async def delete_registered_model_tag(
    req: Annotated[s.DeleteRegisteredModelTag, Depends(json_body(s.DeleteRegisteredModelTag))],
    uow: UowDep,
) -> Response:
    await run_service(registry.delete_registered_model_tag, uow, name=req.name, key=req.key)
    return _empty()


@router.post("/registered-models/alias")
async def set_registered_model_alias(
    req: Annotated[s.SetAlias, Depends(json_body(s.SetAlias))], uow: UowDep
) -> Response:
    await run_service(
        aliases.set_registered_model_alias, uow, name=req.name, alias=req.alias, version=req.version
    )
    return _empty()


@router.delete("/registered-models/alias")
async def delete_registered_model_alias(
    req: Annotated[s.Alias, Depends(json_body(s.Alias))], uow: UowDep
) -> Response:
    await run_service(aliases.delete_registered_model_alias, uow, name=req.name, alias=req.alias)
    return _empty()


@router.get("/registered-models/alias")
async def get_model_version_by_alias(
    req: Annotated[s.Alias, Depends(query_params(s.Alias))], uow: UowDep
) -> Response:
    version = await run_service(
        aliases.get_model_version_by_alias, uow, name=req.name, alias=req.alias
    )
    return json_response({"model_version": render.model_version(version)})


@router.post("/model-versions/create")
async def create_model_version(
    req: Annotated[s.CreateModelVersion, Depends(json_body(s.CreateModelVersion))],
    uow: UowDep,
    store: ArtifactsDep,
    settings: SettingsDep,
) -> Response:
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
    )
    if _copies_files(req.source, external):
        version = await run_in_threadpool(create, uow)
    else:
        version = await run_service(create, uow)
    return json_response({"model_version": render.model_version(version)})


def _copies_files(source: str | None, external: tuple[str, ...]) -> bool:
    try:
        parsed = sources.parse_source(source or "", external_prefixes=external)
    except InvalidParameter:
        return False  # refused at once by the service, nothing to copy
    return not isinstance(parsed, sources.ExternalReference)


@router.patch("/model-versions/update")
async def update_model_version(
    req: Annotated[s.UpdateModelVersion, Depends(json_body(s.UpdateModelVersion))], uow: UowDep
) -> Response:
    version = await run_service(
        versions.update_model_version,
        uow,
        name=req.name,
        version=req.version,
        description=req.description,
    )
    return json_response({"model_version": render.model_version(version)})


@router.post("/model-versions/transition-stage")
async def transition_model_version_stage(
    req: Annotated[
        s.TransitionModelVersionStage, Depends(json_body(s.TransitionModelVersionStage))
    ],
    uow: UowDep,
) -> Response:
    version = await run_service(
        versions.transition_model_version_stage,
        uow,
        name=req.name,
        version=req.version,
        stage=req.stage,
        archive_existing_versions=bool(req.archive_existing_versions),
    )
    return json_response({"model_version": render.model_version(version)})


@router.delete("/model-versions/delete")
async def delete_model_version(
    req: Annotated[s.NameVersion, Depends(json_body(s.NameVersion))], uow: UowDep
) -> Response:
    await run_service(versions.delete_model_version, uow, name=req.name, version=req.version)
    return _empty()


@router.get("/model-versions/get")
async def get_model_version(
    req: Annotated[s.NameVersion, Depends(query_params(s.NameVersion))], uow: UowDep
) -> Response:
    version = await run_service(versions.get_model_version, uow, name=req.name, version=req.version)
    return json_response({"model_version": render.model_version(version)})


@router.get("/model-versions/search")
async def search_model_versions(
    req: Annotated[s.Search, Depends(query_params(s.Search))], uow: UowDep
) -> Response:
    page = await run_service(
        versions.search_model_versions,
        uow,
        filter_string=req.filter,
        order_by=req.order_by,
        max_results=req.max_results,
        page_token=req.page_token,
    )
    out: dict[str, object] = {"model_versions": [render.model_version(v) for v in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return json_response(out)


@router.get("/model-versions/get-download-uri")
async def get_model_version_download_uri(
    req: Annotated[s.NameVersion, Depends(query_params(s.NameVersion))], uow: UowDep
) -> Response:
    uri = await run_service(
        versions.get_model_version_download_uri, uow, name=req.name, version=req.version
    )
    return json_response({"artifact_uri": uri})


@router.post("/model-versions/set-tag")
async def set_model_version_tag(
    req: Annotated[s.SetModelVersionTag, Depends(json_body(s.SetModelVersionTag))], uow: UowDep
) -> Response:
    await run_service(
        versions.set_model_version_tag,
        uow,
        name=req.name,
        version=req.version,
        key=req.key,
        value=req.value,
    )
    return _empty()


@router.delete("/model-versions/delete-tag")
async def delete_model_version_tag(
    req: Annotated[s.DeleteModelVersionTag, Depends(json_body(s.DeleteModelVersionTag))],
    uow: UowDep,
) -> Response:
    await run_service(
        versions.delete_model_version_tag, uow, name=req.name, version=req.version, key=req.key
    )
    return _empty()
