"""Request and response bodies, named by direction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ragops.api.fields import Question, RequestModel
from ragops.config import Settings
from ragops.rag.query import resolve_query
from ragops.store.catalog import CollectionSummary, DocumentSummary
from ragops.types import Query, RetrievalMode, SearchFilters

MAX_TOP_K = 20
MAX_PAGE_SIZE = 100
MAX_COMMENT_CHARS = 2000


class FiltersRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")

    categories: list[str] | None = Field(default=None, max_length=20, examples=[["cs.CL"]])
    sources: list[str] | None = Field(default=None, max_length=20)
    published_from: date | None = None
    published_to: date | None = None

    def to_filters(self) -> SearchFilters:
        return SearchFilters(
            categories=tuple(self.categories) if self.categories else None,
            sources=tuple(self.sources) if self.sources else None,
            published_from=self.published_from,
            published_to=self.published_to,
        )


class QueryRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")

    question: Question = Field(min_length=1, description="at most server.max_question_chars characters")
    top_k: int | None = Field(default=None, ge=1, le=MAX_TOP_K, description="passages given to the model")
    mode: RetrievalMode | None = None
    collection: str | None = Field(default=None, min_length=1, max_length=100)
    filters: FiltersRequest | None = None

    def to_query(self, settings: Settings) -> Query:
        return resolve_query(
            settings,
            self.question,
            collection=self.collection,
            mode=self.mode,
            top_k=self.top_k,
            filters=self.filters.to_filters() if self.filters else None,
        )


class TokenEvent(BaseModel):
    """`event: token` in the SSE stream: the next piece of the answer."""

    text: str


class JobResponse(BaseModel):
    id: int
    collection: str
    filename: str
    status: Literal["queued", "running", "completed", "failed"]
    documents_total: int
    documents_done: int
    chunks_written: int
    document_id: int | None = Field(description="the stored document, once the job completed")
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


# The store's summaries are the response bodies: their fields are written once, there. A subclass gives each
# its name by direction in the OpenAPI schema.
@dataclass(frozen=True)
class DocumentResponse(DocumentSummary):
    """A stored document, with how many chunks it has."""


class DocumentPage(BaseModel):
    documents: list[DocumentResponse]
    total: int = Field(description="documents matching the filters, over all pages")
    limit: int
    offset: int


@dataclass(frozen=True)
class CollectionResponse(CollectionSummary):
    """A collection, with its size and the embedder that built its vectors."""


class FeedbackRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")

    trace_id: str | None = Field(default=None, min_length=1, max_length=200)
    request_id: str | None = Field(default=None, min_length=1, max_length=200, description="from the answer")
    rating: Literal[-1, 1] = Field(description="1 = helpful, -1 = not helpful")
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)

    @model_validator(mode="after")
    def names_an_answer(self) -> FeedbackRequest:
        if self.trace_id is None and self.request_id is None:
            raise ValueError("say which answer this is about: give its trace_id or request_id")
        return self


class FeedbackResponse(BaseModel):
    id: int


class HealthResponse(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)


class OpenAIErrorBody(BaseModel):
    message: str
    type: str
    code: int


class ProblemDetails(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    error: OpenAIErrorBody | None = Field(default=None, description="the same, in OpenAI's error shape")


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries: these status codes answer with ProblemDetails."""
    return {code: {"model": ProblemDetails, "content": {"application/problem+json": {}}} for code in codes}
