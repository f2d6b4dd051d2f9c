"""The RAG pipeline as an OpenAI-compatible chat model, so existing clients use it unchanged.

Model `ragops` answers from the default collection, `ragops/<name>` from collection <name>. The last
user message is the question (earlier turns are not used for retrieval or generation). Citations
are appended to the message text as a "Sources" list and returned as a `citations` field.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Generator

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse

from ragops.api.deps import DatabaseDep, MetricsDep, PipelineDep, SettingsDep
from ragops.api.errors import exception_problem
from ragops.api.openai_schemas import (
    AssistantMessage,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChatCompletionResponse,
    Choice,
    ChunkChoice,
    Delta,
    ModelCard,
    ModelList,
)
from ragops.api.schemas import problem_responses
from ragops.api.sse import SSE_HEADERS, closing_stream, sse_frame, stream_frames
from ragops.errors import NotFoundError
from ragops.rag.pipeline import QueryPipeline
from ragops.rag.query import resolve_query
from ragops.rag.response import answer_response
from ragops.store.catalog import list_collections
from ragops.types import Answer, Citation, Query

router = APIRouter(prefix="/v1", tags=["openai-compatible"])

MODEL_PREFIX = "ragops"


@router.get("/models", response_model=ModelList, responses=problem_responses(401, 429, 503))
def list_models(db: DatabaseDep) -> ModelList:
    """`ragops` (the default collection) and `ragops/<collection>` for every collection."""
    now = int(time.time())
    with db.connection() as conn:
        names = [c.name for c in list_collections(conn)]
    return ModelList(
        data=[ModelCard(id=MODEL_PREFIX, created=now)] + [ModelCard(id=_model_id(n), created=now) for n in names]
    )


@router.post(
    "/chat/completions",
    response_model=ChatCompletionResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "with stream=true: ChatCompletionChunk events"},
        **problem_responses(401, 404, 409, 413, 422, 429, 502, 503, 504),
    },
)
def chat_completions(
    request: ChatCompletionRequest,
    http_request: Request,
    pipeline: PipelineDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> ChatCompletionResponse | StreamingResponse:
    """Answer the last user message from the model's collection, with citations."""
    query = resolve_query(
        settings,
        _question(request, settings.server.max_question_chars),
        collection=_collection(request.model, settings.collection),
    )
    pipeline.collection(query.collection)  # unknown collection: 404 before any stream starts
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if request.stream:
        frames = _chunk_frames(pipeline, query, request.model, completion_id, created)
        return StreamingResponse(
            stream_frames(http_request, frames, metrics), media_type="text/event-stream", headers=SSE_HEADERS
        )
    answer = pipeline.answer(query)
    shown = answer_response(answer, completion_id)
    return ChatCompletionResponse(
        id=completion_id,
        created=created,
        model=request.model,
        choices=[Choice(message=AssistantMessage(content=answer.text + format_sources(answer.citations)))],
        citations=shown.citations,
        attributions=shown.attributions,
        request_id=completion_id,
        blocked=answer.blocked,
        safety=shown.safety,
    )


def format_sources(citations: list[Citation]) -> str:
    """A numbered Sources list for the message text: the passages the answer cites, else all it was given."""
    shown = [c for c in citations if c.cited] or citations
    if not shown:
        return ""
    lines = [f"[{c.number}] {c.title}" + (f" — {c.uri}" if c.uri else "") for c in shown]
    return "\n\nSources:\n" + "\n".join(lines)


def _model_id(collection: str) -> str:
    return f"{MODEL_PREFIX}/{collection}"


def _collection(model: str, default: str) -> str:
    if model == MODEL_PREFIX:
        return default
    prefix = MODEL_PREFIX + "/"
    if model.startswith(prefix) and len(model) > len(prefix):
        return model[len(prefix) :]
    raise NotFoundError(f"model {model!r} does not exist; use `ragops` or `ragops/<collection>` (GET /v1/models)")


def _question(request: ChatCompletionRequest, max_chars: int) -> str:
    user_turns = [m.text().strip() for m in request.messages if m.role == "user"]
    question = user_turns[-1] if user_turns else ""
    if not question:
        raise _invalid("messages: the last user message has no text; ask something")
    if len(question) > max_chars:
        raise _invalid(f"messages: the question has {len(question)} characters, more than {max_chars}")
    return question


def _invalid(detail: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body",), "msg": detail, "type": "value_error"}])


def _chunk_frames(
    pipeline: QueryPipeline, query: Query, model: str, completion_id: str, created: int
) -> Generator[str, None, None]:
    def chunk(delta: Delta, finish: bool = False, answer: Answer | None = None) -> str:
        shown = answer_response(answer, completion_id) if answer else None
        return sse_frame(
            ChatCompletionChunk(
                id=completion_id,
                created=created,
                model=model,
                choices=[ChunkChoice(delta=delta, finish_reason="stop" if finish else None)],
                citations=shown.citations if shown else None,
                attributions=shown.attributions if shown else None,
                request_id=completion_id if shown else None,
                blocked=shown.blocked if shown else None,
                safety=shown.safety if shown else None,
            ).model_dump_json(exclude_none=True)
        )

    yield chunk(Delta(role="assistant", content=""))
    events = pipeline.stream_answer(query)
    try:
        with closing_stream(events):
            for event in events:
                if isinstance(event, Answer):
                    sources = format_sources(event.citations)
                    if sources:
                        yield chunk(Delta(content=sources))
                    yield chunk(Delta(), finish=True, answer=event)
                else:
                    yield chunk(Delta(content=event.text))
    except Exception as exc:  # the 200 is already sent: OpenAI clients read an in-band `error`
        yield sse_frame(exception_problem(exc))
    yield sse_frame("[DONE]")
