"""Request and response bodies of the conversation routes, named by direction."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ragops.api.fields import Question, RequestModel
from ragops.rag.response import CitationResponse
from ragops.services.conversations import Thread

MAX_TITLE_CHARS = 200


class ConversationCreateRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")

    collection: str | None = Field(default=None, min_length=1, max_length=100, description="default: the server's")
    title: str = Field(default="", max_length=MAX_TITLE_CHARS, description="empty: named after the first question")


class ConversationRenameRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARS)

    @field_validator("title")
    @classmethod
    def title_has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("title is empty: give the conversation a name")
        return value.strip()


class MessageRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")

    question: Question = Field(min_length=1, description="a follow-up; at most server.max_question_chars characters")


class ConversationResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read off the store's Conversation; its owner is not shown

    id: str = Field(description="unguessable; the only way to reach the conversation")
    collection: str
    title: str
    created_at: datetime
    updated_at: datetime = Field(description="when the last message was added, or the title changed")


class ConversationPage(BaseModel):
    conversations: list[ConversationResponse]
    total: int = Field(description="the caller's conversations, over all pages")
    limit: int
    offset: int


class MessageResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read off the store's Message

    id: int
    role: Literal["user", "assistant"]
    text: str
    citations: list[CitationResponse] = Field(description="assistant messages: the numbered passages")
    standalone_query: str | None = Field(description="assistant messages: the query retrieval ran on")
    condense_strategy: str | None
    trace_id: str | None
    request_id: str | None = Field(description="names the answer in POST /v1/feedback")
    created_at: datetime


class ConversationDetailResponse(ConversationResponse):
    """A conversation with every message, oldest first."""

    messages: list[MessageResponse]

    @classmethod
    def of(cls, thread: Thread) -> ConversationDetailResponse:
        head = ConversationResponse.model_validate(thread.conversation).model_dump()
        return cls(**head, messages=[MessageResponse.model_validate(m) for m in thread.messages])
