"""MLflow REST compatibility: MLflow JSON in, service calls, MLflow JSON out. Nothing more."""
