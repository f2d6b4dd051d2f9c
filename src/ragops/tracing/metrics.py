"""Prometheus metrics for LLM use, retrieval, guards and ingestion, in prometheus-client's default registry.

Token, retrieval and ingestion metrics are read off each finished trace, so stages need no metric calls.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from ragops.tracing.spans import FinishedTrace

LLM_TOKENS = Counter("ragops_llm_tokens", "LLM tokens, by model and direction (input/output)", ["model", "direction"])
LLM_COST = Counter("ragops_llm_cost_usd", "estimated LLM cost from tracing.prices", ["model"])
RETRIEVAL_SECONDS = Histogram(
    "ragops_retrieval_seconds",
    "retrieval latency by mode",
    ["mode"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
GUARD_BLOCKS = Counter("ragops_guard_blocks", "questions, passages or answers blocked, by guard", ["guard", "stage"])
INGEST_DOCUMENTS = Counter("ragops_ingest_documents", "documents written by ingestion", ["collection"])
INGEST_CHUNKS = Counter("ragops_ingest_chunks", "chunks written by ingestion", ["collection"])
INGEST_SECONDS = Counter("ragops_ingest_seconds", "time spent in ingestion batches", ["collection"])
TRACES_DROPPED = Counter("ragops_traces_dropped", "traces dropped because a sink's export queue was full", ["sink"])
TRACE_EXPORT_ERRORS = Counter("ragops_trace_export_errors", "failed trace exports, by sink", ["sink"])


def record_guard_block(guard: str, stage: str, count: int = 1) -> None:
    """For the guardrails: `count` questions, passages or answers blocked by `guard` at `stage`."""
    GUARD_BLOCKS.labels(guard=guard, stage=stage).inc(count)


def record_trace(trace: FinishedTrace) -> None:
    collection = str(trace.root.attributes.get("ragops.collection", ""))
    for span in trace.spans:
        attributes = span.attributes
        model = attributes.get("gen_ai.request.model")
        if model is not None:
            LLM_TOKENS.labels(model=model, direction="input").inc(attributes.get("gen_ai.usage.input_tokens", 0))
            LLM_TOKENS.labels(model=model, direction="output").inc(attributes.get("gen_ai.usage.output_tokens", 0))
            LLM_COST.labels(model=model).inc(attributes.get("ragops.cost_usd", 0.0))
        if span.name == "retrieve" and "ragops.retrieval.mode" in attributes:
            RETRIEVAL_SECONDS.labels(mode=attributes["ragops.retrieval.mode"]).observe(span.duration_ms / 1000.0)
        if span.name == "ingest_batch":
            INGEST_DOCUMENTS.labels(collection=collection).inc(attributes.get("ragops.ingest.documents", 0))
            INGEST_CHUNKS.labels(collection=collection).inc(attributes.get("ragops.ingest.chunks", 0))
            INGEST_SECONDS.labels(collection=collection).inc(span.duration_ms / 1000.0)
