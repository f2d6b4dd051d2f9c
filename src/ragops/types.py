"""Typed data passed between stages. Imports nothing from ragops."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

RetrievalMode = Literal["dense", "keyword", "hybrid"]
GuardStage = Literal["input", "chunks", "output"]
GuardOutcome = Literal["passed", "blocked", "redacted", "flagged"]
# What became of the model's own marker: kept, added where it had none, changed to another passage, removed
# (no passage supports the sentence, or it makes no claim), replaced (the sentence by a passage sentence), none.
AttributionChange = Literal["kept", "added", "changed", "removed", "replaced", "none"]
# How a follow-up becomes the standalone query retrieval runs on (rag/condense.py).
CondenseStrategy = Literal["llm", "rules", "llm+rules", "none"]


@dataclass(frozen=True)
class SourceDocument:
    """A document as a source yields it, before cleaning and chunking."""

    source: str
    source_id: str
    title: str
    text: str
    uri: str | None = None
    published: date | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RawDocument:
    """A document as a collector fetched it, before any cleaning: one row of the raw store."""

    collection: str
    source_kind: str
    source_id: str
    content_type: str  # of `body`: text/plain, text/markdown or text/html
    body: str
    title: str = ""
    uri: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    fetched_at: datetime | None = None  # None until stored

    @property
    def content_hash(self) -> str:
        """Everything but when it was fetched: the same content fetched again hashes the same."""
        fields = [self.source_kind, self.source_id, self.content_type, self.title, self.body, self.uri, self.metadata]
        encoded = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
        return hashlib.sha256(encoded).hexdigest()


@dataclass(frozen=True)
class ChunkDraft:
    """A chunk cut from a document, not yet embedded or stored."""

    ordinal: int
    text: str
    token_count: int
    content_hash: str


@dataclass(frozen=True)
class SearchFilters:
    """Metadata filters; every field narrows, None means no constraint."""

    categories: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    published_from: date | None = None
    published_to: date | None = None


@dataclass(frozen=True)
class CitedDocument:
    """A document an earlier answer cited, as a follow-up may refer to it ("the second paper")."""

    title: str
    source_id: str = ""  # unknown when only the title came back (an OpenAI client's history)
    document_id: int | None = None


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation: the question, the answer's text, the documents it cited in order."""

    question: str
    answer: str = ""
    documents: tuple[CitedDocument, ...] = ()


@dataclass(frozen=True)
class Query:
    """One request with every per-call knob decided: resolved once at the edge, then passed whole."""

    question: str
    collection: str
    mode: RetrievalMode
    top_k: int  # passages handed to the generator
    filters: SearchFilters | None = None  # None: none stated (self-query may still find some)
    history: tuple[Turn, ...] = ()  # earlier turns, oldest first; empty for a question on its own
    style: str = ""  # the client's own instructions on tone and format (OpenAI `system` messages), guarded as input


@dataclass(frozen=True)
class Condensed:
    """A follow-up made standalone: the text retrieval ran on, the strategy that wrote it, what it resolved."""

    text: str
    strategy: CondenseStrategy
    documents: tuple[CitedDocument, ...] = ()  # earlier answers' documents the follow-up was taken to mean
    degraded: bool = False  # the LLM failed or wrote nothing usable, so the fallback's text stands


@dataclass(frozen=True)
class Candidate:
    """A retrieved chunk with the score of the stage that produced it."""

    chunk_id: int
    document_id: int
    ordinal: int
    text: str
    title: str
    source: str
    source_id: str
    uri: str | None
    score: float
    similarity: float | None = None  # dense cosine similarity, when known
    merged_chunks: int = 1  # context assembly joins neighbours: chunks ordinal .. ordinal + merged_chunks - 1


@dataclass(frozen=True)
class Citation:
    """A numbered passage given to the generator; `cited` says whether the answer referred to it."""

    number: int
    chunk_id: int
    document_id: int
    source_id: str
    title: str
    uri: str | None
    score: float
    snippet: str
    cited: bool
    text: str = ""  # the whole passage the model was given: attribution spans index it


@dataclass(frozen=True)
class Attribution:
    """One sentence of a final answer and the passage sentence it rests on; offsets are end-exclusive."""

    sentence: str  # as it stands in the answer, without its markers: answer[start:end]
    start: int
    end: int
    citation: int | None  # 1-based passage number; None when nothing supports it or it makes no claim
    passage_start: int  # the supporting sentence is passages[citation - 1][passage_start:passage_end]
    passage_end: int  # 0, 0 without a citation
    support: float  # 0..1, the attribution's own measure (lexical coverage for attribute_answer)
    supported: bool
    corrected: AttributionChange


@dataclass(frozen=True)
class GuardVerdict:
    """What one guard decided at one stage: the safety attribute reported with every answer."""

    guard: str
    kind: str
    stage: GuardStage
    outcome: GuardOutcome
    score: float  # 0 = nothing found, 1 = certain; the guard's own scale
    reasons: tuple[str, ...] = ()
    latency_ms: float = 0.0


@dataclass(frozen=True)
class TokenUsage:
    """Tokens of the answer's generation call (expansion and reranking calls are not counted)."""

    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class Answer:
    """A question's outcome: the text, the passages behind it, what every guard said, what it cost."""

    query: Query  # as it ran: the question as the input guards left it (PII redacted), filters as applied
    text: str
    citations: list[Citation]
    is_refusal: bool  # nothing relevant was found, or a guardrail refused: there is no answer
    models: dict[str, str]
    blocked: bool = False  # a guardrail refused the question or withheld the answer
    safety: list[GuardVerdict] = field(default_factory=list)
    invalid_citations: tuple[int, ...] = ()  # [n] markers naming no passage, removed from `text`
    timings_ms: dict[str, float] = field(default_factory=dict)  # per stage, read off the trace's spans
    trace_id: str = ""  # look it up with `ragops traces show`
    usage: TokenUsage = TokenUsage()  # zero when no model was called (refused or blocked before generation)
    attributions: tuple[Attribution, ...] = ()  # each sentence of `text` and the passage span behind it
    answered_by: str = ""  # "generative", "extractive", "hybrid", or "extractive (fallback)" when the LLM failed
    condensed: Condensed | None = None  # the standalone query of a follow-up; None without history

    @property
    def question(self) -> str:
        return self.query.question
