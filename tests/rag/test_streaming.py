"""Streaming answers end to end: real PostgreSQL and MiniLM retrieval, then the local GGUF or a fallback chain."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ragops.config import OllamaChatSettings, RetrySettings
from ragops.guardrails.pii import PiiGuard
from ragops.guardrails.policies import GuardPolicy, GuardrailLayer
from ragops.providers.base import TextDelta
from ragops.providers.fallback import FallbackChatModel
from ragops.providers.ollama import OllamaChatModel
from ragops.rag.citations import check_citations
from ragops.rag.pipeline import QueryPipeline
from ragops.runtime import Runtime
from ragops.types import Answer
from tests.conftest import ask
from tests.fakes.http_server import closed_port_url
from tests.fakes.ollama import FakeOllama

QUESTION = "How does retrieval-augmented generation reduce hallucinations in language models?"


def split(events: list[TextDelta | Answer]) -> tuple[str, Answer]:
    *deltas, answer = events
    assert isinstance(answer, Answer) and all(isinstance(d, TextDelta) for d in deltas)
    return "".join(d.text for d in deltas if isinstance(d, TextDelta)), answer


@pytest.mark.slow
def test_the_local_model_streams_the_answer(pipeline: QueryPipeline, sample_collection: str) -> None:
    # given: a short answer keeps the test quick; no output guard, so nothing needs holding back
    short = replace(
        pipeline,
        generation=pipeline.generation.model_copy(update={"max_tokens": 48}),
        guardrails=GuardrailLayer(input=pipeline.guardrails.input),
    )
    # when
    events = list(short.stream_answer(ask(QUESTION, collection=sample_collection, top_k=2)))
    # then
    streamed, answer = split(events)
    assert len(events) > 3 and not answer.is_refusal and answer.citations
    assert check_citations(streamed, len(answer.citations)).text == answer.text
    assert answer.models["llm"].startswith("llama_cpp/") and answer.timings_ms["generate"] > 0


@pytest.mark.slow
def test_a_redacting_output_guard_holds_the_text_back(pipeline: QueryPipeline, sample_collection: str) -> None:
    # given: an output guard that may rewrite the answer (the dev profile only flags)
    redacting = GuardrailLayer(output=[GuardPolicy("pii", "pii", "redact", PiiGuard())])
    short = replace(
        pipeline, generation=pipeline.generation.model_copy(update={"max_tokens": 24}), guardrails=redacting
    )
    # when
    events = list(short.stream_answer(ask(QUESTION, collection=sample_collection, top_k=2)))
    # then: one delta, with the text the guards passed
    assert events == [TextDelta(events[-1].text), events[-1]]  # type: ignore[union-attr]
    assert isinstance(events[-1], Answer) and any(v.stage == "output" for v in events[-1].safety)


def test_an_outage_before_the_first_token_falls_back(runtime: Runtime, sample_collection: str) -> None:
    # given: the first Ollama is down, the second answers
    no_retry = RetrySettings(max_attempts=1)
    with FakeOllama() as ollama:
        chain = FallbackChatModel(
            [
                OllamaChatModel(
                    OllamaChatSettings(kind="ollama", base_url=closed_port_url(), model="m", retry=no_retry)
                ),
                OllamaChatModel(OllamaChatSettings(kind="ollama", base_url=ollama.url, model="llama3.2:1b")),
            ]
        )
        pipeline = replace(runtime.pipeline(), llm=chain, guardrails=GuardrailLayer())
        # when
        streamed, answer = split(list(pipeline.stream_answer(ask(QUESTION, collection=sample_collection))))
        sent = ollama.model_requests("/api/chat")[0].body
    # then: the request succeeded through the second provider, with the retrieved passages in its prompt
    assert answer.models["llm"] == "ollama/llama3.2:1b"
    assert streamed.startswith("Answer to:") and answer.text
    assert answer.citations[0].title in sent["messages"][-1]["content"]
    assert sent["options"]["num_predict"] == runtime.settings.llm.max_tokens
