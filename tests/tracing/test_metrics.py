"""Prometheus metrics read off finished traces, the guard counter, and the cost from the price table."""

import pytest

from ragops.config import ModelPrice
from ragops.tracing.attributes import generation_attributes
from ragops.tracing.metrics import record_guard_block
from ragops.tracing.spans import set_attributes, span, start_trace
from ragops.tracing.tracer import Tracer, use_tracer
from tests.metrics import guard_blocks, sample_value


@pytest.fixture
def tracer() -> Tracer:
    prices = {"openai/gpt-test": ModelPrice(input_per_million_usd=1.0, output_per_million_usd=2.0)}
    return Tracer({}, queue_size=1, prices=prices)


def test_tokens_cost_and_retrieval_latency_are_recorded_per_model_and_mode(tracer: Tracer) -> None:
    tokens_before = sample_value("ragops_llm_tokens_total", {"model": "openai/gpt-test", "direction": "input"})
    cost_before = sample_value("ragops_llm_cost_usd_total", {"model": "openai/gpt-test"})
    retrievals_before = sample_value("ragops_retrieval_seconds_count", {"mode": "keyword"})
    with use_tracer(tracer, close_timeout_s=1.0), start_trace("answer") as root:
        with span("retrieve"):
            set_attributes({"ragops.retrieval.mode": "keyword"})
        with span("generate") as generate:
            set_attributes(
                generation_attributes(
                    model_id="openai/gpt-test",
                    input_tokens=1000,
                    output_tokens=500,
                    finish_reason="stop",
                    max_tokens=512,
                    temperature=0.0,
                )
            )

    assert root.trace_id and generate is not None
    assert generate.attributes["gen_ai.provider.name"] == "openai"
    assert generate.attributes["ragops.cost_usd"] == pytest.approx((1000 * 1.0 + 500 * 2.0) / 1e6)
    tokens = sample_value("ragops_llm_tokens_total", {"model": "openai/gpt-test", "direction": "input"})
    assert tokens == tokens_before + 1000
    assert sample_value("ragops_llm_cost_usd_total", {"model": "openai/gpt-test"}) == pytest.approx(cost_before + 0.002)
    assert sample_value("ragops_retrieval_seconds_count", {"mode": "keyword"}) == retrievals_before + 1


def test_an_unpriced_model_gets_no_cost(tracer: Tracer) -> None:
    with use_tracer(tracer, close_timeout_s=1.0), start_trace("answer"), span("generate") as generate:
        set_attributes(
            {"gen_ai.request.model": "other", "gen_ai.usage.input_tokens": 5, "gen_ai.usage.output_tokens": 1}
        )

    assert generate is not None and "ragops.cost_usd" not in generate.attributes


def test_ingestion_throughput_counts_documents_and_chunks_per_collection(tracer: Tracer) -> None:
    before = sample_value("ragops_ingest_chunks_total", {"collection": "metrics-test"})
    documents_before = sample_value("ragops_ingest_documents_total", {"collection": "metrics-test"})
    with use_tracer(tracer, close_timeout_s=1.0), start_trace("ingest", {"ragops.collection": "metrics-test"}):
        for chunks in (7, 5):
            with span("ingest_batch"):
                set_attributes({"ragops.ingest.documents": 2, "ragops.ingest.chunks": chunks})

    assert sample_value("ragops_ingest_chunks_total", {"collection": "metrics-test"}) == before + 12
    assert sample_value("ragops_ingest_documents_total", {"collection": "metrics-test"}) == documents_before + 4


def test_guard_blocks_are_counted_by_guard() -> None:
    before = guard_blocks("prompt_injection", "input")
    record_guard_block("prompt_injection", "input")
    record_guard_block("prompt_injection", "input")
    assert guard_blocks("prompt_injection", "input") == before + 2
