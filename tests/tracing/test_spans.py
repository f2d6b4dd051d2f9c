"""Spans in a contextvar: nesting, attributes, failures, redaction, stages run in spans, timings read off them."""

import pytest

from ragops.tracing.spans import (
    FinishedTrace,
    configure,
    current_span,
    current_trace_id,
    run_stage,
    run_timed,
    set_attributes,
    set_payload,
    span,
    stage_timings_ms,
    start_trace,
)


@pytest.fixture
def finished() -> list[FinishedTrace]:
    collected: list[FinishedTrace] = []
    previous, redact = configure(collected.append, redact_payloads=False)
    yield collected
    configure(previous, redact_payloads=redact)


def _retrieve() -> list[int]:
    with span("dense"):
        set_attributes({"ragops.retrieval.count": 3})
    with span("keyword"):
        pass
    return [7, 8, 9]


def test_stages_become_child_spans_in_order_with_timings(finished: list[FinishedTrace]) -> None:
    with start_trace("answer", {"ragops.collection": "c"}) as opened:
        found = run_stage("retrieve", _retrieve, lambda ids: {"ragops.retrieval.chunk_ids": ids})
        run_stage("generate", lambda: set_attributes({"gen_ai.usage.input_tokens": 10}))
        timings = stage_timings_ms(opened)

    assert found == [7, 8, 9]
    assert len(finished) == 1
    trace = finished[0]
    root = opened.span
    assert trace.trace_id == root.trace_id and len(root.trace_id) == 32
    assert [s.name for s in trace.spans] == ["answer", "retrieve", "dense", "keyword", "generate"]
    by_name = {s.name: s for s in trace.spans}
    assert [s.name for s in trace.children(root)] == ["retrieve", "generate"]
    assert [s.name for s in trace.children(by_name["retrieve"])] == ["dense", "keyword"]
    assert by_name["dense"].attributes == {"ragops.retrieval.count": 3}
    assert by_name["retrieve"].attributes == {"ragops.retrieval.chunk_ids": [7, 8, 9]}
    assert by_name["generate"].attributes == {"gen_ai.usage.input_tokens": 10}
    assert root.attributes == {"ragops.collection": "c"}
    assert all(s.end_ns is not None and s.end_ns >= s.start_ns for s in trace.spans)
    assert set(timings) == {"retrieve", "dense", "keyword", "generate"}
    assert timings["retrieve"] >= timings["dense"] + timings["keyword"]


def test_outside_a_trace_nothing_is_recorded(finished: list[FinishedTrace]) -> None:
    def stage() -> int:
        set_attributes({"ignored": 1})
        assert current_span() is None
        assert current_trace_id() is None
        return 1

    assert run_stage("retrieve", stage, lambda n: {"n": n}) == 1
    with span("loose") as loose:
        assert loose is None
    assert finished == []


def test_a_timed_run_is_timed_per_stage_and_never_handed_on(finished: list[FinishedTrace]) -> None:
    result, timings = run_timed("bench", lambda: run_stage("retrieve", _retrieve))
    assert result == [7, 8, 9]
    assert set(timings) == {"retrieve", "dense", "keyword"}
    assert finished == []


def test_a_failing_stage_marks_its_span_and_the_root_and_still_finishes_the_trace(
    finished: list[FinishedTrace],
) -> None:
    with pytest.raises(TimeoutError), start_trace("answer"), span("generate"):
        raise TimeoutError("model too slow")

    trace = finished[0]
    assert [(s.name, s.status) for s in trace.spans] == [("answer", "error"), ("generate", "error")]
    assert trace.spans[1].error == "TimeoutError: model too slow"


def test_a_trace_started_inside_a_trace_is_a_child_span(finished: list[FinishedTrace]) -> None:
    with start_trace("request") as outer, start_trace("answer") as inner:
        assert inner.span.parent_id == outer.span.span_id
        assert inner.trace_id == outer.trace_id

    assert len(finished) == 1
    assert [s.name for s in finished[0].spans] == ["request", "answer"]


@pytest.mark.parametrize("redact", [False, True])
def test_payloads_keep_only_their_size_under_redaction(redact: bool) -> None:
    collected: list[FinishedTrace] = []
    previous, was_redacting = configure(collected.append, redact_payloads=redact)
    try:
        with start_trace("answer"):
            set_payload("ragops.question", "my email is a@b.example")
    finally:
        configure(previous, redact_payloads=was_redacting)

    attributes = collected[0].root.attributes
    assert attributes["ragops.question.chars"] == len("my email is a@b.example")
    assert ("ragops.question" in attributes) is not redact
