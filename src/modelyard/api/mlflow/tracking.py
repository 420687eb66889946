"""MLflow's tracking API (MlflowService): experiments, runs and metrics, logged models, and
artifact listings by run or logged model."""

from __future__ import annotations

from fastapi import APIRouter

from modelyard.api.mlflow import (
    logged_models,
    run_artifacts,
    tracking_experiments,
    tracking_runs,
)

router = APIRouter()
router.include_router(tracking_experiments.router)
router.include_router(tracking_runs.router)
router.include_router(logged_models.router)
router.include_router(run_artifacts.router)
