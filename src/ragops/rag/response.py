"""The one serialisation of an Answer: what `POST /v1/query`, the SSE answer event, `ragops ask --json`, the MCP
`ask` tool and a registered pipeline version's pyfunc all return; and of ranked passages (`POST /v1/retrieve`, the
MCP `search` tool)."""

from __future__ import annotations

from dataclasses import asdict

from pydantic import BaseModel, Field

from ragops.rag.pipeline import Passages
from ragops.types import Answer, GuardOutcome, GuardStage, RetrievalMode


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
    text: str = Field(description="the whole passage given to the model; attribution spans index it")


class AttributionResponse(BaseModel):
    """One sentence of the answer and the passage span that supports it (offsets end-exclusive)."""

    sentence: str
    start: int = Field(description="answer[start:end] is the sentence")
    end: int
    citation: int | None = Field(description="the supporting passage's number; null when nothing supports it")
    passage_start: int = Field(description="citations[citation-1].text[passage_start:passage_end] supports it")
    passage_end: int
    support: float = Field(description="share of the sentence's content words found in that passage")
    supported: bool
    corrected: str = Field(description="what attribution did to the model's marker: kept, added, changed, ...")


class SafetyAttribute(BaseModel):
    """One guard's verdict on one stage of the request."""

    guard: str
    kind: str
    stage: GuardStage
    outcome: GuardOutcome
    score: float
    reasons: list[str]
    latency_ms: float


class UsageResponse(BaseModel):
    """Tokens of the answer's generation call; zero when no model was called."""

    input_tokens: int
    output_tokens: int


class AnswerResponse(BaseModel):
    question: str = Field(description="the question as the guardrails passed it on (PII redacted)")
    answer: str
    citations: list[CitationResponse]
    attributions: list[AttributionResponse] = Field(
        default_factory=list, description="each sentence of the answer tied to the passage span behind it"
    )
    answered_by: str = Field(default="", description="generative, extractive, hybrid or extractive (fallback)")
    invalid_citations: list[int] = Field(
        default_factory=list, description="[n] markers the model wrote that name no passage (removed from answer)"
    )
    is_refusal: bool = Field(description="nothing relevant was found or a guardrail refused, so there is no answer")
    blocked: bool = Field(default=False, description="a guardrail refused the question or withheld the answer")
    safety: list[SafetyAttribute] = Field(default_factory=list, description="every guard's verdict, in order")
    retrieval_mode: RetrievalMode
    collection: str
    top_k: int = Field(description="passages the question retrieved for the model")
    timings_ms: dict[str, float] = Field(description="wall-clock ms per stage, from the trace's spans")
    models: dict[str, str]
    usage: UsageResponse
    standalone_query: str | None = Field(
        default=None, description="a follow-up as retrieval ran it (history resolved); null for a question alone"
    )
    condense_strategy: str | None = Field(
        default=None, description="how the follow-up was made standalone: llm, rules, llm+rules or none"
    )
    request_id: str | None = Field(default=None, description="names this answer in POST /v1/feedback")
    trace_id: str | None = Field(default=None, description="this request's trace: `ragops traces show <trace_id>`")


def answer_response(answer: Answer, request_id: str | None = None) -> AnswerResponse:
    return AnswerResponse(
        question=answer.question,
        answer=answer.text,
        citations=[CitationResponse(**asdict(c)) for c in answer.citations],
        attributions=[AttributionResponse(**asdict(a)) for a in answer.attributions],
        answered_by=answer.answered_by,
        invalid_citations=list(answer.invalid_citations),
        is_refusal=answer.is_refusal,
        blocked=answer.blocked,
        safety=[SafetyAttribute(**asdict(verdict)) for verdict in answer.safety],
        retrieval_mode=answer.query.mode,
        collection=answer.query.collection,
        top_k=answer.query.top_k,
        timings_ms=answer.timings_ms,
        models=answer.models,
        usage=UsageResponse(**asdict(answer.usage)),
        standalone_query=answer.condensed.text if answer.condensed else None,
        condense_strategy=answer.condensed.strategy if answer.condensed else None,
        request_id=request_id,
        trace_id=answer.trace_id or None,
    )


class PassageResponse(BaseModel):
    rank: int
    chunk_id: int
    document_id: int
    ordinal: int = Field(description="position of the chunk in its document")
    title: str
    source: str
    source_id: str
    uri: str | None
    score: float = Field(description="score of the last ranking stage (RRF for hybrid)")
    similarity: float | None = Field(description="dense cosine similarity, when a dense search ran")
    text: str


class RetrieveResponse(BaseModel):
    question: str
    collection: str
    retrieval_mode: RetrievalMode
    top_k: int
    passages: list[PassageResponse]
    timings_ms: dict[str, float] = Field(description="wall-clock ms per stage, from the trace's spans")
    trace_id: str = Field(description="this request's trace: `ragops traces show <trace_id>`")


def retrieve_response(found: Passages) -> RetrieveResponse:
    return RetrieveResponse(
        question=found.query.question,
        collection=found.query.collection,
        retrieval_mode=found.query.mode,
        top_k=found.query.top_k,
        passages=[PassageResponse(rank=rank, **asdict(c)) for rank, c in enumerate(found.candidates, start=1)],
        timings_ms=found.timings_ms,
        trace_id=found.trace_id,
    )
