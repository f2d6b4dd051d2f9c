"""The RAG pipeline as an OpenAI-compatible chat model, so existing clients use it unchanged.

Model `ragops` answers from the default collection, `ragops/<name>` from collection <name>. The last
message is the user's question; earlier user and assistant messages are the conversation's history (a
follow-up is condensed into a standalone query for retrieval, and the history joins the answer prompt),
and `system` / `developer` messages are style instructions placed inside our own system prompt, after
passing the input guards as user text does. Citations are appended to the message text as a "Sources"
list (read back from assistant messages of the history) and returned as a `citations` field.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Generator, Sequence

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
    ChatMessageIn,
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
from ragops.types import Answer, Citation, CitedDocument, Query, Turn

router = APIRouter(prefix="/v1", tags=["openai-compatible"])

MODEL_PREFIX = "ragops"
SOURCES_HEADING = "\n\nSources:\n"
_SOURCE_LINE = re.compile(r"^\[\d+\] (?P<title>.+?)(?: — \S+)?$")
_STYLE_ROLES = frozenset({"system", "developer"})


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
    """Answer the last user message from the model's collection, with citations, in the light of the earlier
    messages."""
    max_chars = settings.server.max_question_chars
    query = resolve_query(
        settings,
        _question(request.messages, max_chars),
        collection=_collection(request.model, settings.collection),
        history=_history(request.messages[:-1]),
        style=_style(request.messages, max_chars),
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
        standalone_query=shown.standalone_query,
        condense_strategy=shown.condense_strategy,
    )


def format_sources(citations: list[Citation]) -> str:
    """A numbered Sources list for the message text: the passages the answer cites, else all it was given."""
    shown = [c for c in citations if c.cited] or citations
    if not shown:
        return ""
    lines = [f"[{c.number}] {c.title}" + (f" — {c.uri}" if c.uri else "") for c in shown]
    return SOURCES_HEADING + "\n".join(lines)


def read_sources(content: str) -> tuple[str, tuple[CitedDocument, ...]]:
    """An assistant message split into its answer and the documents of its Sources list (format_sources' inverse)."""
    answer, heading, sources = content.partition(SOURCES_HEADING)
    if not heading:
        return content, ()
    matches = (_SOURCE_LINE.match(line.strip()) for line in sources.splitlines())
    return answer, tuple(CitedDocument(m["title"]) for m in matches if m)


def _history(messages: Sequence[ChatMessageIn]) -> list[Turn]:
    """Earlier user and assistant messages as turns: a user message opens one, the assistant's reply closes it."""
    turns: list[Turn] = []
    question: str | None = None
    for message in messages:
        if message.role == "user":
            if question is not None:
                turns.append(Turn(question))  # asked again before any reply
            question = message.text().strip()
        elif message.role == "assistant":
            answer, documents = read_sources(message.text())
            turns.append(Turn(question or "", answer.strip(), documents))
            question = None
    if question is not None:
        turns.append(Turn(question))
    return turns


def _model_id(collection: str) -> str:
    return f"{MODEL_PREFIX}/{collection}"


def _collection(model: str, default: str) -> str:
    if model == MODEL_PREFIX:
        return default
    prefix = MODEL_PREFIX + "/"
    if model.startswith(prefix) and len(model) > len(prefix):
        return model[len(prefix) :]
    raise NotFoundError(f"model {model!r} does not exist; use `ragops` or `ragops/<collection>` (GET /v1/models)")


def _question(messages: Sequence[ChatMessageIn], max_chars: int) -> str:
    last = messages[-1]
    if last.role != "user":
        raise _invalid(
            f"messages: the last message is from the {last.role}, so there is no question (no text from the user); "
            "end the list with the user's message"
        )
    question = last.text().strip()
    if not question:
        raise _invalid("messages: the last user message has no text; ask something")
    if len(question) > max_chars:
        raise _invalid(f"messages: the question has {len(question)} characters, more than {max_chars}; shorten it")
    return question


def _style(messages: Sequence[ChatMessageIn], max_chars: int) -> str:
    style = "\n".join(m.text().strip() for m in messages if m.role in _STYLE_ROLES and m.text().strip())
    if len(style) > max_chars:
        raise _invalid(
            f"messages: the system messages have {len(style)} characters, more than {max_chars}; shorten them"
        )
    return style


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
                standalone_query=shown.standalone_query if shown else None,
                condense_strategy=shown.condense_strategy if shown else None,
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
