"""Logged as the model's code (MLflow "models from code"): loading the model runs this file, not a pickle."""

from mlflow.models import set_model

from ragops.registry.pyfunc import PipelineModel

set_model(PipelineModel())
