"""Request and response bodies, named by direction."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ragops.types import RetrievalMode, SearchFilters

MAX_QUESTION_CHARS = 2000
MAX_TOP_K = 20


class FiltersRequest(BaseModel):
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


class QueryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    top_k: int | None = Field(default=None, ge=1, le=MAX_TOP_K, description="passages given to the model")
    mode: RetrievalMode | None = None
    collection: str | None = Field(default=None, min_length=1, max_length=100)
    filters: FiltersRequest | None = None

    @field_validator("question")
    @classmethod
    def question_has_text(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("question is empty: ask something")
        return value


class RetrieveRequest(QueryRequest):
    """The same question and options as a query; only the passages come back, no generation."""


class PassageResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # built straight from a Candidate

    chunk_id: int
    document_id: int
    source_id: str
    title: str
    uri: str | None
    score: float
    text: str


class RetrieveResponse(BaseModel):
    question: str
    collection: str
    passages: list[PassageResponse]
    timings_ms: dict[str, float]


class CitationResponse(BaseModel):
    number: int
    document_id: int
    chunk_id: int
    source_id: str
    title: str
    uri: str | None
    score: float
    snippet: str
    cited: bool = Field(description="the answer text refers to this passage as [number]")


class AnswerResponse(BaseModel):
    question: str
    answer: str
    citations: list[CitationResponse]
    is_refusal: bool = Field(description="nothing relevant was found, so the model was not asked")
    retrieval_mode: RetrievalMode
    collection: str
    timings_ms: dict[str, float]
    models: dict[str, str]


class HealthResponse(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)


class ProblemDetails(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
