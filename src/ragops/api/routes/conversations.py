"""Conversations: threads of follow-up questions answered with their history, kept per API key."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from ragops.api.auth import ApiKeyDep
from ragops.api.conversation_schemas import (
    ConversationCreateRequest,
    ConversationDetailResponse,
    ConversationPage,
    ConversationRenameRequest,
    ConversationResponse,
    MessageRequest,
)
from ragops.api.deps import ConversationsDep, MetricsDep
from ragops.api.fields import Offset, SafeText
from ragops.api.schemas import MAX_PAGE_SIZE, problem_responses
from ragops.api.sse import ANSWER_STREAM_DOC, SSE_HEADERS, answer_frames, stream_frames
from ragops.rag.response import AnswerResponse, answer_response
from ragops.store.api_keys import ApiKey

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])

_ERRORS = problem_responses(401, 404, 422, 429, 503)
_ASK_ERRORS = problem_responses(401, 404, 409, 413, 422, 429, 502, 503, 504)
EVENT_STREAM = "text/event-stream"


def _owner(api_key: ApiKey | None) -> int | None:
    return api_key.id if api_key else None


@router.post("", status_code=201, response_model=ConversationResponse, responses=_ERRORS)
def create_conversation(
    request: ConversationCreateRequest, conversations: ConversationsDep, api_key: ApiKeyDep
) -> ConversationResponse:
    """Start a conversation over a collection (default: the server's); ask in it with POST .../messages."""
    created = conversations.create(owner=_owner(api_key), collection=request.collection, title=request.title)
    return ConversationResponse.model_validate(created)


@router.get("", response_model=ConversationPage, responses=_ERRORS)
def list_conversations(
    conversations: ConversationsDep,
    api_key: ApiKeyDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    offset: Offset = 0,
) -> ConversationPage:
    """Your conversations, most recently active first."""
    found, total = conversations.list(owner=_owner(api_key), limit=limit, offset=offset)
    return ConversationPage(
        conversations=[ConversationResponse.model_validate(c) for c in found], total=total, limit=limit, offset=offset
    )


@router.get("/{conversation_id}", response_model=ConversationDetailResponse, responses=_ERRORS)
def get_conversation(
    conversation_id: SafeText, conversations: ConversationsDep, api_key: ApiKeyDep
) -> ConversationDetailResponse:
    """A conversation with every message and the sources of each answer."""
    return ConversationDetailResponse.of(conversations.get(conversation_id, owner=_owner(api_key)))


@router.patch("/{conversation_id}", response_model=ConversationResponse, responses=_ERRORS)
def rename_conversation(
    conversation_id: SafeText, request: ConversationRenameRequest, conversations: ConversationsDep, api_key: ApiKeyDep
) -> ConversationResponse:
    """Rename a conversation."""
    return ConversationResponse.model_validate(
        conversations.rename(conversation_id, request.title, owner=_owner(api_key))
    )


@router.delete("/{conversation_id}", status_code=204, responses=_ERRORS)
def delete_conversation(conversation_id: SafeText, conversations: ConversationsDep, api_key: ApiKeyDep) -> Response:
    """Delete a conversation and its messages."""
    conversations.delete(conversation_id, owner=_owner(api_key))
    return Response(status_code=204)


@router.post(
    "/{conversation_id}/messages",
    response_model=AnswerResponse,
    responses={200: {"content": {EVENT_STREAM: {}}, "description": ANSWER_STREAM_DOC}, **_ASK_ERRORS},
)
def ask_in_conversation(
    conversation_id: SafeText,
    request: MessageRequest,
    http_request: Request,
    conversations: ConversationsDep,
    metrics: MetricsDep,
    api_key: ApiKeyDep,
    accept: Annotated[str, Header(description=f"{EVENT_STREAM} for a stream of tokens, then the answer")] = "",
) -> AnswerResponse | StreamingResponse:
    """Ask in a conversation: the question is read with the thread's history (a follow-up becomes a standalone
    query for retrieval), answered as POST /v1/query answers, and kept with its answer. 409 when the
    conversation's collection was deleted."""
    owner, request_id = _owner(api_key), uuid.uuid4().hex
    if EVENT_STREAM in accept:
        events = conversations.stream(conversation_id, request.question, owner=owner, request_id=request_id)
        return StreamingResponse(
            stream_frames(http_request, answer_frames(events, request_id), metrics),
            media_type=EVENT_STREAM,
            headers=SSE_HEADERS,
        )
    answer = conversations.ask(conversation_id, request.question, owner=owner, request_id=request_id)
    return answer_response(answer, request_id)
