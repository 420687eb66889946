"""MLflow's run and metric endpoints (MlflowService): lifecycle, logging, search, history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from modelyard.api.deps import ContextDep, UowDep, run_service
from modelyard.api.mlflow import tracking_render as render
from modelyard.api.mlflow import tracking_schemas as s
from modelyard.api.mlflow.wire import json_body, json_response, query_params
from modelyard.services import run_logging, runs

router = APIRouter()


def _empty() -> Response:
    return Response(b"{}", media_type="application/json")


@router.post("/runs/create")
def create_run(
    req: Annotated[s.CreateRun, Depends(json_body(s.CreateRun))], uow: UowDep, ctx: ContextDep
) -> Response:
    run = runs.create_run(
        uow,
        experiment_id=None if req.experiment_id is None else str(req.experiment_id),
        user_id=req.user_id,
        run_name=req.run_name,
        start_time=req.start_time,
        tags=s.pairs(req.tags),
        actor=ctx,
    )
    return json_response({"run": render.run(run)})


@router.get("/runs/get")
def get_run(req: Annotated[s.RunId, Depends(query_params(s.RunId))], uow: UowDep) -> Response:
    return json_response({"run": render.run(runs.get_run(uow, run_id=req.id))})


@router.post("/runs/update")
def update_run(
    req: Annotated[s.UpdateRun, Depends(json_body(s.UpdateRun))], uow: UowDep, ctx: ContextDep
) -> Response:
    info = runs.update_run(
        uow,
        run_id=req.id,
        status=req.status,
        end_time=req.end_time,
        run_name=req.run_name,
        actor=ctx,
    )
    return json_response({"run_info": render.run_info(info)})


@router.post("/runs/delete")
def delete_run(
    req: Annotated[s.RunId, Depends(json_body(s.RunId))], uow: UowDep, ctx: ContextDep
) -> Response:
    runs.delete_run(uow, run_id=req.id, actor=ctx)
    return _empty()


@router.post("/runs/restore")
def restore_run(
    req: Annotated[s.RunId, Depends(json_body(s.RunId))], uow: UowDep, ctx: ContextDep
) -> Response:
    runs.restore_run(uow, run_id=req.id, actor=ctx)
    return _empty()


@router.post("/runs/search")
async def search_runs(
    req: Annotated[s.SearchRuns, Depends(json_body(s.SearchRuns))], uow: UowDep
) -> Response:
    page = await run_service(
        runs.search_runs,
        uow,
        experiment_ids=req.experiment_ids,
        filter_string=req.filter,
        run_view_type=req.run_view_type,
        max_results=req.max_results,
        order_by=req.order_by,
        page_token=req.page_token,
    )
    out: dict[str, object] = {"runs": [render.run(r) for r in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return json_response(out)


@router.post("/runs/log-metric")
def log_metric(
    req: Annotated[s.LogMetric, Depends(json_body(s.LogMetric))], uow: UowDep, ctx: ContextDep
) -> Response:
    run_logging.log_metric(uow, run_id=req.id, metric=req.fields(), actor=ctx)
    return _empty()


@router.post("/runs/log-parameter")
def log_param(
    req: Annotated[s.KeyValue, Depends(json_body(s.KeyValue))], uow: UowDep, ctx: ContextDep
) -> Response:
    run_logging.log_param(uow, run_id=req.id, key=req.key, value=req.value, actor=ctx)
    return _empty()


@router.post("/runs/set-tag")
def set_tag(
    req: Annotated[s.KeyValue, Depends(json_body(s.KeyValue))], uow: UowDep, ctx: ContextDep
) -> Response:
    run_logging.set_tag(uow, run_id=req.id, key=req.key, value=req.value, actor=ctx)
    return _empty()


@router.post("/runs/delete-tag")
def delete_tag(
    req: Annotated[s.DeleteTag, Depends(json_body(s.DeleteTag))], uow: UowDep, ctx: ContextDep
) -> Response:
    run_logging.delete_tag(uow, run_id=req.id, key=req.key, actor=ctx)
    return _empty()


@router.post("/runs/log-batch")
async def log_batch(
    req: Annotated[s.LogBatch, Depends(json_body(s.LogBatch))], uow: UowDep, ctx: ContextDep
) -> Response:
    await run_service(
        run_logging.log_batch,
        uow,
        run_id=req.id,
        metrics=[m.fields() for m in req.metrics or []],
        params=s.pairs(req.params),
        tags=s.pairs(req.tags),
        actor=ctx,
    )
    return _empty()


@router.post("/runs/log-model")
def log_model(
    req: Annotated[s.LogModel, Depends(json_body(s.LogModel))], uow: UowDep, ctx: ContextDep
) -> Response:
    run_logging.log_model(uow, run_id=req.id, model_json=req.model_json, actor=ctx)
    return _empty()


@router.post("/runs/log-inputs")
def log_inputs(
    req: Annotated[s.LogInputs, Depends(json_body(s.LogInputs))], uow: UowDep, ctx: ContextDep
) -> Response:
    run_logging.log_inputs(
        uow,
        run_id=req.id,
        datasets=s.dataset_fields(req.datasets),
        model_ids=[m.model_id for m in req.models or []],
        actor=ctx,
    )
    return _empty()


@router.post("/runs/outputs")
def log_outputs(
    req: Annotated[s.LogOutputs, Depends(json_body(s.LogOutputs))], uow: UowDep, ctx: ContextDep
) -> Response:
    run_logging.log_outputs(
        uow, run_id=req.id, outputs=[(m.model_id, m.step) for m in req.models or []], actor=ctx
    )
    return _empty()


@router.get("/metrics/get-history")
def get_metric_history(
    req: Annotated[s.GetMetricHistory, Depends(query_params(s.GetMetricHistory))], uow: UowDep
) -> Response:
    page = runs.get_metric_history(
        uow,
        run_id=req.id,
        metric_key=req.metric_key,
        max_results=req.max_results,
        page_token=req.page_token,
    )
    out: dict[str, object] = {"metrics": [render.metric(m) for m in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return json_response(out)


@router.get("/metrics/get-history-bulk-interval")
def get_metric_history_bulk_interval(
    req: Annotated[
        s.GetMetricHistoryBulkInterval, Depends(query_params(s.GetMetricHistoryBulkInterval))
    ],
    uow: UowDep,
) -> Response:
    found = runs.get_metric_history_bulk_interval(
        uow,
        run_ids=req.run_ids,
        metric_key=req.metric_key,
        start_step=req.start_step,
        end_step=req.end_step,
        max_results=req.max_results,
    )
    return json_response({"metrics": [render.metric(m, with_run_id=True) for m in found]})
