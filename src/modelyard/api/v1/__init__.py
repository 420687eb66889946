"""modelyard's own REST API, under /api/v1: what MLflow has no words for (governance)."""
