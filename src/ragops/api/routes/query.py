"""Questions in, cited answers out."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from ragops.api.deps import PipelineDep, SettingsDep
from ragops.api.schemas import (
    AnswerResponse,
    CitationResponse,
    PassageResponse,
    ProblemDetails,
    QueryRequest,
    RetrieveRequest,
    RetrieveResponse,
)

router = APIRouter(prefix="/v1", tags=["query"])


@router.post(
    "/query",
    response_model=AnswerResponse,
    responses={code: {"model": ProblemDetails} for code in (409, 422, 502, 503, 504)},
)
def query(request: QueryRequest, pipeline: PipelineDep, settings: SettingsDep) -> AnswerResponse:
    """Answer a question from the collection, citing numbered passages."""
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
        retrieval_mode=answer.retrieval_mode,
        collection=collection,
        timings_ms=answer.timings_ms,
        models=answer.models,
    )


@router.post(
    "/retrieve",
    response_model=RetrieveResponse,
    responses={code: {"model": ProblemDetails} for code in (409, 422, 502, 503)},
)
def retrieve(request: RetrieveRequest, pipeline: PipelineDep, settings: SettingsDep) -> RetrieveResponse:
    """The passages the configured search stages find in one collection, best first; nothing is generated."""
    collection = request.collection or settings.collection
    timings_ms: dict[str, float] = {}
    found = pipeline.searcher.search(
        request.question,
        collection=collection,
        mode=request.mode,
        top_k=request.top_k,
        filters=request.filters.to_filters() if request.filters else None,
        timings_ms=timings_ms,
    )
    passages = [PassageResponse.model_validate(c) for c in found.candidates]
    return RetrieveResponse(question=request.question, collection=collection, passages=passages, timings_ms=timings_ms)
