"""Request and response bodies of the conversation routes, named by direction."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ragops.rag.response import CitationResponse
from ragops.services.conversations import Thread
from ragops.store.conversations import Conversation, Message

MAX_TITLE_CHARS = 200


class ConversationCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collection: str | None = Field(default=None, min_length=1, max_length=100, description="default: the server's")
    title: str = Field(default="", max_length=MAX_TITLE_CHARS, description="empty: named after the first question")


class ConversationRenameRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARS)

    @field_validator("title")
    @classmethod
    def title_has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("title is empty: give the conversation a name")
        return value.strip()


class MessageRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, description="a follow-up; at most server.max_question_chars characters")

    @field_validator("question")
    @classmethod
    def question_has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question is empty: ask something")
        return value.strip()


class ConversationResponse(BaseModel):
    id: str = Field(description="unguessable; the only way to reach the conversation")
    collection: str
    title: str
    created_at: datetime
    updated_at: datetime = Field(description="when the last message was added, or the title changed")

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationResponse:
        return cls(
            id=conversation.id,
            collection=conversation.collection,
            title=conversation.title,
            created_at=conversation.created_at,
            updated_at=conversation.updated_at,
        )


class ConversationPage(BaseModel):
    conversations: list[ConversationResponse]
    total: int = Field(description="the caller's conversations, over all pages")
    limit: int
    offset: int


class MessageResponse(BaseModel):
    id: int
    role: Literal["user", "assistant"]
    text: str
    citations: list[CitationResponse] = Field(description="assistant messages: the numbered passages")
    standalone_query: str | None = Field(description="assistant messages: the query retrieval ran on")
    condense_strategy: str | None
    trace_id: str | None
    request_id: str | None = Field(description="names the answer in POST /v1/feedback")
    created_at: datetime

    @classmethod
    def of(cls, message: Message) -> MessageResponse:
        return cls(
            id=message.id,
            role=message.role,
            text=message.text,
            citations=[CitationResponse(**c) for c in message.citations],
            standalone_query=message.standalone_query,
            condense_strategy=message.condense_strategy,
            trace_id=message.trace_id,
            request_id=message.request_id,
            created_at=message.created_at,
        )


class ConversationDetailResponse(ConversationResponse):
    """A conversation with every message, oldest first."""

    messages: list[MessageResponse]

    @classmethod
    def of_thread(cls, thread: Thread) -> ConversationDetailResponse:
        base = ConversationResponse.of(thread.conversation)
        return cls(**base.model_dump(), messages=[MessageResponse.of(m) for m in thread.messages])
