"""The subset of OpenAI's chat completions and models schemas that ragops serves."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ragops.api.fields import RequestModel
from ragops.rag.response import AttributionResponse, CitationResponse, SafetyAttribute


class ContentPart(RequestModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessageIn(RequestModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls, ...: accepted and ignored

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(part.text for part in self.content if part.type == "text" and part.text)
        return self.content or ""


class ChatCompletionRequest(RequestModel):
    # Clients send many optional knobs (temperature, max_tokens, user, ...); the pipeline's config decides those.
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1, examples=["ragops"], description="`ragops` or `ragops/<collection>`")
    messages: list[ChatMessageIn] = Field(
        max_length=200, description="the conversation, oldest first, ending with the user's question"
    )
    stream: bool = False

    @field_validator("messages")
    @classmethod
    def has_messages(cls, value: list[ChatMessageIn]) -> list[ChatMessageIn]:
        if not value:
            raise ValueError("messages is empty: send the conversation, ending with the user's question")
        return value


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop", "length"] = "stop"


class ChatCompletionResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    citations: list[CitationResponse] = Field(description="ragops extension: the numbered passages")
    attributions: list[AttributionResponse] = Field(
        default_factory=list, description="ragops extension: each answer sentence and the passage span behind it"
    )
    request_id: str = Field(description="ragops extension: names this answer in POST /v1/feedback")
    blocked: bool = Field(default=False, description="ragops extension: a guardrail refused the question or answer")
    safety: list[SafetyAttribute] = Field(default_factory=list, description="ragops extension: every guard's verdict")
    standalone_query: str | None = Field(
        default=None, description="ragops extension: the follow-up as retrieval ran it, history resolved"
    )
    condense_strategy: str | None = Field(default=None, description="ragops extension: how it was made standalone")


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop", "length"] | None = None


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    citations: list[CitationResponse] | None = Field(default=None, description="on the last chunk only")
    attributions: list[AttributionResponse] | None = Field(default=None, description="on the last chunk only")
    request_id: str | None = Field(default=None, description="on the last chunk only")
    blocked: bool | None = Field(default=None, description="on the last chunk only")
    safety: list[SafetyAttribute] | None = Field(default=None, description="on the last chunk only")
    standalone_query: str | None = Field(default=None, description="on the last chunk of a follow-up only")
    condense_strategy: str | None = Field(default=None, description="on the last chunk of a follow-up only")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "ragops"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
