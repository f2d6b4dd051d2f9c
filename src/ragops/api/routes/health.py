"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ragops.api.deps import PipelineDep
from ragops.api.schemas import HealthResponse
from ragops.errors import StoreError

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthResponse)
def healthz() -> HealthResponse:
    """The process is up."""
    return HealthResponse(status="ok")


@router.get("/readyz", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
def readyz(pipeline: PipelineDep) -> HealthResponse | JSONResponse:
    """The database answers and the models are loaded."""
    checks = {"embedder": pipeline.embedder.model_id, "llm": pipeline.llm.model_id}
    try:
        with pipeline.db.connection() as conn:
            conn.execute("SELECT 1")
        checks["database"] = "ok"
    except StoreError as exc:
        checks["database"] = str(exc)
        return JSONResponse(HealthResponse(status="unavailable", checks=checks).model_dump(), status_code=503)
    return HealthResponse(status="ok", checks=checks)
