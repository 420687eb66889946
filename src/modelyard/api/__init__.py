"""HTTP interfaces: MLflow's REST API and modelyard's own."""
