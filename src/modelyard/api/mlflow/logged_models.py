"""MLflow 3's logged-model endpoints (MlflowService): create, get, finalize, delete, search,
tags and params. The model id travels in the path."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from modelyard.api.deps import ContextDep, UowDep
from modelyard.api.mlflow import tracking_render as render
from modelyard.api.mlflow import tracking_schemas as s
from modelyard.api.mlflow.wire import json_body, json_response, query_params
from modelyard.services import logged_models

router = APIRouter()


def _empty() -> Response:
    return Response(b"{}", media_type="application/json")


@router.post("/logged-models")
def create_logged_model(
    req: Annotated[s.CreateLoggedModel, Depends(json_body(s.CreateLoggedModel))],
    uow: UowDep,
    ctx: ContextDep,
) -> Response:
    model = logged_models.create_logged_model(
        uow,
        experiment_id=None if req.experiment_id is None else str(req.experiment_id),
        name=req.name,
        model_type=req.model_type,
        source_run_id=req.source_run_id,
        params=s.pairs(req.params),
        tags=s.pairs(req.tags),
        actor=ctx,
    )
    return json_response({"model": render.logged_model(model)})


@router.post("/logged-models/search")
def search_logged_models(
    req: Annotated[s.SearchLoggedModels, Depends(json_body(s.SearchLoggedModels))], uow: UowDep
) -> Response:
    page = logged_models.search_logged_models(
        uow,
        experiment_ids=req.experiment_ids,
        filter_string=req.filter,
        order_by=s.order_fields(req.order_by),
        max_results=req.max_results,
        page_token=req.page_token,
    )
    out: dict[str, object] = {"models": [render.logged_model(m) for m in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return json_response(out)


@router.get("/logged-models/{model_id}")
def get_logged_model(
    model_id: str,
    req: Annotated[s.GetLoggedModel, Depends(query_params(s.GetLoggedModel))],
    uow: UowDep,
) -> Response:
    model = logged_models.get_logged_model(
        uow, model_id=model_id, allow_deleted=bool(req.allow_deleted)
    )
    return json_response({"model": render.logged_model(model)})


@router.patch("/logged-models/{model_id}")
def finalize_logged_model(
    model_id: str,
    req: Annotated[s.FinalizeLoggedModel, Depends(json_body(s.FinalizeLoggedModel))],
    uow: UowDep,
    ctx: ContextDep,
) -> Response:
    model = logged_models.finalize_logged_model(
        uow, model_id=model_id, status=req.status, actor=ctx
    )
    return json_response({"model": render.logged_model(model)})


@router.delete("/logged-models/{model_id}")
def delete_logged_model(model_id: str, uow: UowDep, ctx: ContextDep) -> Response:
    # The client also sends the id in a JSON body; the path is authoritative.
    logged_models.delete_logged_model(uow, model_id=model_id, actor=ctx)
    return _empty()


@router.patch("/logged-models/{model_id}/tags")
def set_logged_model_tags(
    model_id: str,
    req: Annotated[s.LoggedModelTags, Depends(json_body(s.LoggedModelTags))],
    uow: UowDep,
    ctx: ContextDep,
) -> Response:
    model = logged_models.set_logged_model_tags(
        uow, model_id=model_id, tags=s.pairs(req.tags), actor=ctx
    )
    return json_response({"model": render.logged_model(model)})


@router.delete("/logged-models/{model_id}/tags/{tag_key}")
def delete_logged_model_tag(model_id: str, tag_key: str, uow: UowDep, ctx: ContextDep) -> Response:
    logged_models.delete_logged_model_tag(uow, model_id=model_id, key=tag_key, actor=ctx)
    return _empty()


@router.post("/logged-models/{model_id}/params")
def log_logged_model_params(
    model_id: str,
    req: Annotated[s.LoggedModelParams, Depends(json_body(s.LoggedModelParams))],
    uow: UowDep,
    ctx: ContextDep,
) -> Response:
    logged_models.log_logged_model_params(
        uow, model_id=model_id, params=s.pairs(req.params), actor=ctx
    )
    return _empty()
