"""Export off the request path: OTLP/HTTP delivery to a collector, and a dead collector that costs nothing."""

import socket
import time

from prometheus_client import REGISTRY

from ragops.rag.pipeline import QueryPipeline
from ragops.tracing.sinks.otlp import OtlpTraceSink
from ragops.tracing.spans import set_attributes, span, start_trace
from ragops.tracing.tracer import Tracer, use_tracer
from tests.conftest import ask
from tests.fakes.otlp_receiver import otlp_receiver

OFF_TOPIC = "What is a good recipe for sourdough bread?"  # refused after retrieval: no LLM call


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_spans_reach_an_otlp_collector_with_ids_parents_and_attributes(
    sequential_pipeline: QueryPipeline, sample_collection: str
) -> None:
    with otlp_receiver() as collector:
        tracer = Tracer({"otlp": lambda: OtlpTraceSink(collector.endpoint, timeout_s=10.0)}, queue_size=10)
        with use_tracer(tracer, close_timeout_s=10.0):
            answer = sequential_pipeline.answer(ask(OFF_TOPIC, collection=sample_collection))
            assert tracer.flush(timeout_s=30.0)

    assert tracer.export_errors == 0
    assert collector.content_types == ["application/x-protobuf"]
    spans = {s.name: s for s in collector.spans}
    stages = ["guard_input", "retrieve", "embed_query", "dense", "keyword", "fuse", "guard_chunks"]
    assert list(spans) == ["answer", *stages]
    assert {s.trace_id for s in collector.spans} == {answer.trace_id}
    assert {s.service for s in collector.spans} == {"ragops"}
    assert spans["answer"].parent_id == ""
    assert spans["retrieve"].parent_id == spans["answer"].span_id
    assert spans["dense"].parent_id == spans["retrieve"].span_id
    assert spans["answer"].attributes["ragops.is_refusal"] is True
    assert spans["answer"].attributes["ragops.question"] == OFF_TOPIC
    dense = spans["dense"].attributes
    assert len(dense["ragops.retrieval.chunk_ids"]) == dense["ragops.retrieval.count"] > 0
    assert all(s.end_ns >= s.start_ns > 0 for s in collector.spans)


def test_a_dead_collector_fails_no_request_and_counts_the_failed_export(
    pipeline: QueryPipeline, sample_collection: str
) -> None:
    endpoint = f"http://127.0.0.1:{_closed_port()}/v1/traces"
    errors_before = REGISTRY.get_sample_value("ragops_trace_export_errors_total", {"sink": "otlp"}) or 0.0
    tracer = Tracer({"otlp": lambda: OtlpTraceSink(endpoint, timeout_s=1.0)}, queue_size=10)
    with use_tracer(tracer, close_timeout_s=10.0):
        answer = pipeline.answer(ask(OFF_TOPIC, collection=sample_collection))

    assert answer.is_refusal and len(answer.trace_id) == 32  # the request itself went through
    assert tracer.export_errors == 1
    assert REGISTRY.get_sample_value("ragops_trace_export_errors_total", {"sink": "otlp"}) == errors_before + 1


def test_a_stalled_collector_fills_the_queue_and_further_traces_are_dropped_and_counted() -> None:
    dropped_before = REGISTRY.get_sample_value("ragops_traces_dropped_total", {"sink": "otlp"}) or 0.0
    with socket.socket() as stalled:  # accepts connections, never answers: each export waits out its timeout
        stalled.bind(("127.0.0.1", 0))
        stalled.listen(16)
        endpoint = f"http://127.0.0.1:{stalled.getsockname()[1]}/v1/traces"
        tracer = Tracer({"otlp": lambda: OtlpTraceSink(endpoint, timeout_s=30.0)}, queue_size=1)
        with use_tracer(tracer, close_timeout_s=0.1):
            for n in range(6):
                with start_trace("burst"), span("stage"):
                    set_attributes({"n": n})

    # Six traces, one queue slot, at most one in the exporter's hands: at least four dropped.
    assert tracer.dropped >= 4
    assert REGISTRY.get_sample_value("ragops_traces_dropped_total", {"sink": "otlp"}) == dropped_before + tracer.dropped


def test_a_stalled_collector_does_not_hold_up_the_other_sinks() -> None:
    with socket.socket() as stalled, otlp_receiver() as live:
        stalled.bind(("127.0.0.1", 0))
        stalled.listen(16)
        sinks = {
            "stalled": lambda: OtlpTraceSink(f"http://127.0.0.1:{stalled.getsockname()[1]}/v1/traces", timeout_s=30.0),
            "live": lambda: OtlpTraceSink(live.endpoint, timeout_s=10.0),
        }
        tracer = Tracer(sinks, queue_size=10)
        with use_tracer(tracer, close_timeout_s=0.1):
            for n in range(3):
                with start_trace("request", {"n": n}):
                    pass
            deadline = time.monotonic() + 60.0  # a bound for a loaded machine, not a latency assertion
            while len(live.spans) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)

    assert sorted(s.attributes["n"] for s in live.spans) == [0, 1, 2]
