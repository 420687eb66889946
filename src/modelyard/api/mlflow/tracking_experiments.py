"""MLflow's experiment endpoints (MlflowService): create, get, search, rename, delete, tag,
and the datasets their runs used (search-datasets)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from modelyard.api.deps import ContextDep, ReaderDep, UowDep, run_service
from modelyard.api.mlflow import tracking_render as render
from modelyard.api.mlflow import tracking_schemas as s
from modelyard.api.mlflow.wire import json_body, json_response, query_params
from modelyard.services import datasets, experiments
from modelyard.services.access import ReadFilter

router = APIRouter()


def _empty() -> Response:
    return Response(b"{}", media_type="application/json")


def _id(value: str | int | None) -> str | None:
    return None if value is None else str(value)


@router.post("/experiments/create")
def create_experiment(
    req: Annotated[s.CreateExperiment, Depends(json_body(s.CreateExperiment))],
    uow: UowDep,
    ctx: ContextDep,
) -> Response:
    new_id = experiments.create_experiment(
        uow,
        name=req.name,
        artifact_location=req.artifact_location,
        tags=s.pairs(req.tags),
        actor=ctx,
    )
    return json_response({"experiment_id": new_id})


@router.get("/experiments/get")
def get_experiment(
    req: Annotated[s.ExperimentId, Depends(query_params(s.ExperimentId))], uow: UowDep
) -> Response:
    found = experiments.get_experiment(uow, experiment_id=_id(req.experiment_id))
    return json_response({"experiment": render.experiment(found)})


@router.get("/experiments/get-by-name")
def get_experiment_by_name(
    req: Annotated[s.GetExperimentByName, Depends(query_params(s.GetExperimentByName))],
    uow: UowDep,
) -> Response:
    found = experiments.get_experiment_by_name(uow, name=req.experiment_name)
    return json_response({"experiment": render.experiment(found)})


def _search(req: s.SearchExperiments, uow: UowDep, reader: ReadFilter | None) -> Response:
    page = experiments.search_experiments(
        uow,
        readable=reader,
        view_type=req.view_type,
        filter_string=req.filter,
        order_by=req.order_by,
        max_results=req.max_results,
        page_token=req.page_token,
    )
    out: dict[str, object] = {"experiments": [render.experiment(e) for e in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return json_response(out)


@router.post("/experiments/search")
def search_experiments_post(
    req: Annotated[s.SearchExperiments, Depends(json_body(s.SearchExperiments))],
    uow: UowDep,
    reader: ReaderDep,
) -> Response:
    return _search(req, uow, reader)


@router.get("/experiments/search")
def search_experiments_get(
    req: Annotated[s.SearchExperiments, Depends(query_params(s.SearchExperiments))],
    uow: UowDep,
    reader: ReaderDep,
) -> Response:
    return _search(req, uow, reader)


@router.post("/experiments/update")
def update_experiment(
    req: Annotated[s.UpdateExperiment, Depends(json_body(s.UpdateExperiment))],
    uow: UowDep,
    ctx: ContextDep,
) -> Response:
    experiments.rename_experiment(
        uow, experiment_id=_id(req.experiment_id), new_name=req.new_name, actor=ctx
    )
    return _empty()


@router.post("/experiments/delete")
def delete_experiment(
    req: Annotated[s.ExperimentId, Depends(json_body(s.ExperimentId))], uow: UowDep, ctx: ContextDep
) -> Response:
    experiments.delete_experiment(uow, experiment_id=_id(req.experiment_id), actor=ctx)
    return _empty()


@router.post("/experiments/restore")
def restore_experiment(
    req: Annotated[s.ExperimentId, Depends(json_body(s.ExperimentId))], uow: UowDep, ctx: ContextDep
) -> Response:
    experiments.restore_experiment(uow, experiment_id=_id(req.experiment_id), actor=ctx)
    return _empty()


@router.post("/experiments/set-experiment-tag")
def set_experiment_tag(
    req: Annotated[s.SetExperimentTag, Depends(json_body(s.SetExperimentTag))],
    uow: UowDep,
    ctx: ContextDep,
) -> Response:
    experiments.set_experiment_tag(
        uow, experiment_id=_id(req.experiment_id), key=req.key, value=req.value, actor=ctx
    )
    return _empty()


@router.post("/experiments/delete-experiment-tag")
def delete_experiment_tag(
    req: Annotated[s.DeleteExperimentTag, Depends(json_body(s.DeleteExperimentTag))],
    uow: UowDep,
    ctx: ContextDep,
) -> Response:
    experiments.delete_experiment_tag(
        uow, experiment_id=_id(req.experiment_id), key=req.key, actor=ctx
    )
    return _empty()


@router.post("/experiments/search-datasets")
async def search_datasets(
    req: Annotated[s.SearchDatasets, Depends(json_body(s.SearchDatasets))], uow: UowDep
) -> Response:
    found = await run_service(datasets.search_datasets, uow, experiment_ids=req.experiment_ids)
    return json_response(
        {"dataset_summaries": [render.dataset_summary(d) for d in found]} if found else {}
    )
