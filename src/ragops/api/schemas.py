"""Request and response bodies, named by direction."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ragops.types import GuardOutcome, GuardStage, RetrievalMode, SearchFilters

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


class SafetyAttribute(BaseModel):
    """One guard's verdict on one stage of the request."""

    guard: str
    kind: str
    stage: GuardStage
    outcome: GuardOutcome
    score: float
    reasons: list[str]
    latency_ms: float


class AnswerResponse(BaseModel):
    question: str = Field(description="the question as the guardrails passed it on (PII redacted)")
    answer: str
    citations: list[CitationResponse]
    is_refusal: bool = Field(description="nothing relevant was found or a guardrail refused, so there is no answer")
    blocked: bool = Field(default=False, description="a guardrail refused the question or withheld the answer")
    safety: list[SafetyAttribute] = Field(default_factory=list, description="every guard's verdict, in order")
    retrieval_mode: RetrievalMode
    collection: str
    timings_ms: dict[str, float]
    models: dict[str, str]
    trace_id: str = Field(description="this request's trace: `ragops traces show <trace_id>`")


class HealthResponse(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)


class ProblemDetails(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
