"""Dependencies that hand the lifespan's resources to route handlers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ragops.api.metrics import Metrics
from ragops.config import Settings
from ragops.ingest.worker import IngestionWorker
from ragops.rag.pipeline import QueryPipeline
from ragops.store.database import Database


def get_pipeline(request: Request) -> QueryPipeline:
    pipeline: QueryPipeline = request.app.state.pipeline
    return pipeline


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    return get_pipeline(request).db


def get_worker(request: Request) -> IngestionWorker:
    worker: IngestionWorker = request.app.state.worker
    return worker


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


PipelineDep = Annotated[QueryPipeline, Depends(get_pipeline)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
WorkerDep = Annotated[IngestionWorker, Depends(get_worker)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
