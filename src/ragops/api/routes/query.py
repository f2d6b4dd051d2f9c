"""Questions in: cited answers (whole or streamed as SSE) or ranked passages."""

from __future__ import annotations

import uuid
from collections.abc import Generator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from ragops.api.deps import MetricsDep, PipelineDep, SettingsDep
from ragops.api.errors import exception_problem
from ragops.api.schemas import QueryRequest, TokenEvent, problem_responses
from ragops.api.sse import SSE_HEADERS, closing_stream, sse_frame, stream_frames
from ragops.rag.pipeline import QueryPipeline
from ragops.rag.response import AnswerResponse, RetrieveResponse, answer_response, retrieve_response
from ragops.types import Answer, Query

router = APIRouter(prefix="/v1", tags=["query"])

_ERRORS = problem_responses(401, 404, 409, 413, 422, 429, 502, 503, 504)


@router.post("/query", response_model=AnswerResponse, responses=_ERRORS)
def query(request: QueryRequest, pipeline: PipelineDep, settings: SettingsDep) -> AnswerResponse:
    """Answer a question from the collection, citing numbered passages; a guardrail refusal is a 200 with blocked."""
    return answer_response(pipeline.answer(request.to_query(settings)), uuid.uuid4().hex)


_STREAM_DOC = (
    "Server-Sent Events: `event: token` (TokenEvent) as the model writes, then one `event: answer` "
    "(AnswerResponse, with citations), or `event: error` (ProblemDetails) if generation fails midway. "
    "Closing the connection stops generation."
)


@router.post(
    "/query/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": _STREAM_DOC}, **_ERRORS},
)
def query_stream(
    request: QueryRequest, http_request: Request, pipeline: PipelineDep, settings: SettingsDep, metrics: MetricsDep
) -> StreamingResponse:
    """Answer a question as a stream of tokens, then the citations."""
    resolved = request.to_query(settings)
    pipeline.collection(resolved.collection)  # an unknown collection is a 404 before the stream starts
    frames = _answer_frames(pipeline, resolved, uuid.uuid4().hex)
    return StreamingResponse(
        stream_frames(http_request, frames, metrics), media_type="text/event-stream", headers=SSE_HEADERS
    )


def _answer_frames(pipeline: QueryPipeline, query: Query, request_id: str) -> Generator[str, None, None]:
    events = pipeline.stream_answer(query)
    try:
        with closing_stream(events):
            for event in events:
                if isinstance(event, Answer):
                    yield sse_frame(answer_response(event, request_id), "answer")
                else:
                    yield sse_frame(TokenEvent(text=event.text), "token")
    except Exception as exc:  # the 200 is already sent: report in-band, whatever failed
        yield sse_frame(exception_problem(exc), "error")


@router.post("/retrieve", response_model=RetrieveResponse, responses=_ERRORS)
def retrieve(request: QueryRequest, pipeline: PipelineDep, settings: SettingsDep) -> RetrieveResponse:
    """The ranked passages a question retrieves, without generating an answer."""
    return retrieve_response(pipeline.retrieve(request.to_query(settings)))
