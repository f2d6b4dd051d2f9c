"""Liveness, readiness and metrics: open to probes and scrapers, never behind an API key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST

from ragops.api.deps import MetricsDep, PipelineDep
from ragops.api.schemas import HealthResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthResponse)
def healthz() -> HealthResponse:
    """The process is up."""
    return HealthResponse(status="ok")


@router.get("/readyz", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
def readyz(pipeline: PipelineDep, request: Request) -> HealthResponse | JSONResponse:
    """The database answers (as last probed in the background: this never waits on it) and the models are loaded;
    `pipeline` names the version served."""
    checks = {
        "embedder": pipeline.embedder.model_id,
        "llm": pipeline.llm.model_id,
        "pipeline": request.app.state.pipeline_label,
    }
    db = pipeline.db
    state = db.health.state()
    checks["database"] = "ok" if state.up else state.detail
    if not state.up:
        body = HealthResponse(status="unavailable", checks=checks).model_dump()
        return JSONResponse(body, status_code=503, headers={"Retry-After": str(db.retry_after_s)})
    return HealthResponse(status="ok", checks=checks)


@router.get("/metrics", response_class=PlainTextResponse, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(metrics: MetricsDep) -> PlainTextResponse:
    """Prometheus text format: request counts and latency histograms by route and status."""
    return PlainTextResponse(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
