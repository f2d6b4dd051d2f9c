"""Liveness, readiness and metrics: open to probes and scrapers, never behind an API key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST

from ragops.api.deps import MetricsDep, PipelineDep
from ragops.api.schemas import HealthResponse
from ragops.errors import StoreError

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthResponse)
def healthz() -> HealthResponse:
    """The process is up."""
    return HealthResponse(status="ok")


@router.get("/readyz", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
def readyz(pipeline: PipelineDep, request: Request) -> HealthResponse | JSONResponse:
    """The database answers and the models are loaded; `pipeline` names the version served."""
    checks = {
        "embedder": pipeline.embedder.model_id,
        "llm": pipeline.llm.model_id,
        "pipeline": request.app.state.pipeline_label,
    }
    try:
        with pipeline.db.connection() as conn:
            conn.execute("SELECT 1")
        checks["database"] = "ok"
    except StoreError as exc:
        checks["database"] = str(exc)
        return JSONResponse(HealthResponse(status="unavailable", checks=checks).model_dump(), status_code=503)
    return HealthResponse(status="ok", checks=checks)


@router.get("/metrics", response_class=PlainTextResponse, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(metrics: MetricsDep) -> PlainTextResponse:
    """Prometheus text format: request counts and latency histograms by route and status."""
    return PlainTextResponse(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
