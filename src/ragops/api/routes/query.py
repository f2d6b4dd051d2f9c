"""Questions in, cited answers out."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from ragops.api.deps import PipelineDep, SettingsDep
from ragops.api.schemas import AnswerResponse, CitationResponse, ProblemDetails, QueryRequest, SafetyAttribute

router = APIRouter(prefix="/v1", tags=["query"])


@router.post(
    "/query",
    response_model=AnswerResponse,
    responses={code: {"model": ProblemDetails} for code in (404, 409, 422, 502, 503, 504)},
)
def query(request: QueryRequest, pipeline: PipelineDep, settings: SettingsDep) -> AnswerResponse:
    """Answer a question from the collection, citing numbered passages; a guardrail refusal is a 200 with blocked."""
    collection = request.collection or settings.collection
    answer = pipeline.answer(
        request.question,
        collection=collection,
        mode=request.mode,
        top_k=request.top_k,
        filters=request.filters.to_filters() if request.filters else None,
    )
    return AnswerResponse(
        question=answer.question,
        answer=answer.text,
        citations=[CitationResponse(**asdict(c)) for c in answer.citations],
        is_refusal=answer.is_refusal,
        blocked=answer.blocked,
        safety=[SafetyAttribute(**asdict(verdict)) for verdict in answer.safety],
        retrieval_mode=answer.retrieval_mode,
        collection=collection,
        timings_ms=answer.timings_ms,
        models=answer.models,
        trace_id=answer.trace_id,
    )
