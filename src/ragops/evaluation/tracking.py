"""Evaluation results into MLflow (placeholder until the evaluation branch lands)."""

from __future__ import annotations

from pathlib import Path

from ragops.config import Settings
from ragops.evaluation.runner import EvalResult
from ragops.tracing.sinks.mlflow import experiment_id

EXPERIMENT = "ragops-eval"


def log_evaluation(
    settings: Settings,
    result: EvalResult,
    *,
    testset: Path,
    run_name: str | None = None,
    tags: dict[str, str] | None = None,
) -> str:
    import mlflow

    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    client = mlflow.MlflowClient(settings.mlflow_tracking_uri)
    experiment = experiment_id(client, EXPERIMENT, settings.mlflow_artifact_location)
    with mlflow.start_run(
        experiment_id=experiment, run_name=run_name, tags={**(tags or {}), "testset": str(testset)}
    ) as run:
        mlflow.log_metrics(result.metrics)
    return str(run.info.run_id)
