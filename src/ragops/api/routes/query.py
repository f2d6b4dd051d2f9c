"""Questions in: cited answers (whole or streamed as SSE) or ranked passages."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from ragops.api.deps import MetricsDep, PipelineDep, SettingsDep
from ragops.api.schemas import QueryRequest, problem_responses
from ragops.api.sse import ANSWER_STREAM_DOC, SSE_HEADERS, answer_frames, stream_frames
from ragops.rag.response import AnswerResponse, RetrieveResponse, answer_response, retrieve_response

router = APIRouter(prefix="/v1", tags=["query"])

_ERRORS = problem_responses(401, 404, 409, 413, 422, 429, 502, 503, 504)


@router.post("/query", response_model=AnswerResponse, responses=_ERRORS)
def query(request: QueryRequest, pipeline: PipelineDep, settings: SettingsDep) -> AnswerResponse:
    """Answer a question from the collection, citing numbered passages; a guardrail refusal is a 200 with blocked."""
    return answer_response(pipeline.answer(request.to_query(settings)), uuid.uuid4().hex)


@router.post(
    "/query/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": ANSWER_STREAM_DOC}, **_ERRORS},
)
def query_stream(
    request: QueryRequest, http_request: Request, pipeline: PipelineDep, settings: SettingsDep, metrics: MetricsDep
) -> StreamingResponse:
    """Answer a question as a stream of tokens, then the citations."""
    resolved = request.to_query(settings)
    pipeline.collection(resolved.collection)  # an unknown collection is a 404 before the stream starts
    frames = answer_frames(pipeline.stream_answer(resolved), uuid.uuid4().hex)
    return StreamingResponse(
        stream_frames(http_request, frames, metrics), media_type="text/event-stream", headers=SSE_HEADERS
    )


@router.post("/retrieve", response_model=RetrieveResponse, responses=_ERRORS)
def retrieve(request: QueryRequest, pipeline: PipelineDep, settings: SettingsDep) -> RetrieveResponse:
    """The ranked passages a question retrieves, without generating an answer."""
    return retrieve_response(pipeline.retrieve(request.to_query(settings)))
