"""Dependencies that hand the lifespan's resources to route handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from ragops.api.metrics import Metrics
from ragops.config import Settings
from ragops.ingest.worker import IngestionWorker
from ragops.rag.pipeline import QueryPipeline
from ragops.services.catalog import CatalogService
from ragops.services.conversations import ConversationService
from ragops.services.feedback import FeedbackService
from ragops.store.database import Database


def _app_state(name: str) -> Callable[[Request], Any]:
    """A dependency handing over `app.state.<name>`; the Annotated type it stands in says what that is."""

    def dependency(request: Request) -> Any:
        return getattr(request.app.state, name)

    return dependency


def get_database(request: Request) -> Database:
    pipeline: QueryPipeline = request.app.state.pipeline
    return pipeline.db


PipelineDep = Annotated[QueryPipeline, Depends(_app_state("pipeline"))]
SettingsDep = Annotated[Settings, Depends(_app_state("settings"))]
DatabaseDep = Annotated[Database, Depends(get_database)]
WorkerDep = Annotated[IngestionWorker, Depends(_app_state("worker"))]
CatalogDep = Annotated[CatalogService, Depends(_app_state("catalog"))]
ConversationsDep = Annotated[ConversationService, Depends(_app_state("conversations"))]
FeedbackDep = Annotated[FeedbackService, Depends(_app_state("feedback"))]
MetricsDep = Annotated[Metrics, Depends(_app_state("metrics"))]
