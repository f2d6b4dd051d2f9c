"""Dependencies that hand the lifespan's resources to route handlers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ragops.config import Settings
from ragops.rag.pipeline import QueryPipeline


def get_pipeline(request: Request) -> QueryPipeline:
    pipeline: QueryPipeline = request.app.state.pipeline
    return pipeline


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


PipelineDep = Annotated[QueryPipeline, Depends(get_pipeline)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
