"""Pipeline versions in the MLflow model registry: register, validate, evaluate, promote, serve."""
