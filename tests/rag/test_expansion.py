"""Query expansion, with a scripted external model: useful output is used, failures and garbage degrade."""

from __future__ import annotations

import logging

import pytest

from ragops.config import ExpansionSettings, RerankSettings, RetrievalSettings
from ragops.rag.expansion import expand_query, parse_keywords, parse_reformulations
from ragops.rag.searcher import build_searcher
from ragops.runtime import Runtime
from ragops.tracing.spans import run_timed
from tests.conftest import ask
from tests.fakes.chat import ScriptedChatModel, failing

ALL_ON = ExpansionSettings(multi_query=2, hyde=True, keywords=True)


def _by_prompt(prompt: str) -> str:
    if "search queries" in prompt:
        return "1. dense passage retrieval\n2) Dense Passage Retrieval\n- sparse lexical retrieval\n- a third one"
    if "abstract" in prompt:
        return "Retrieval augmented generation grounds a language model in documents it retrieves first."
    return "retrieval, grounding, , !!!, language models"


def test_each_step_adds_what_the_model_wrote() -> None:
    llm = ScriptedChatModel(_by_prompt)
    query = expand_query("how does RAG work?", llm, ALL_ON)
    assert query.reformulations == ("dense passage retrieval", "sparse lexical retrieval")  # deduped, capped at 2
    assert query.hypothetical_answer is not None and query.hypothetical_answer.startswith("Retrieval augmented")
    assert query.keywords == "retrieval, grounding, language models"
    assert query.dense_texts[0] == query.keyword_texts[0] == "how does RAG work?"  # the original always first
    assert query.hypothetical_answer in query.dense_texts and query.hypothetical_answer not in query.keyword_texts
    assert query.keywords in query.keyword_texts and query.keywords not in query.dense_texts
    assert query.degraded == ()
    assert len(llm.prompts) == 3


def test_a_failing_model_degrades_to_the_question(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        query = expand_query("how does RAG work?", ScriptedChatModel(failing), ALL_ON)
    assert query.dense_texts == query.keyword_texts == ["how does RAG work?"]
    assert query.degraded == ("multi_query", "hyde", "keywords")
    assert "connection refused" in caplog.text


@pytest.mark.parametrize("garbage", ["", "   \n\n", "!!! ??? ...", "how does RAG work?"])
def test_garbage_output_degrades_to_the_question(garbage: str) -> None:
    query = expand_query("how does RAG work?", ScriptedChatModel(lambda _: garbage), ALL_ON)
    assert query.dense_texts == query.keyword_texts == ["how does RAG work?"]
    assert query.degraded == ("multi_query", "hyde", "keywords")


def test_disabled_steps_never_call_the_model() -> None:
    llm = ScriptedChatModel(failing)
    assert expand_query("q", llm, ExpansionSettings()).dense_texts == ["q"]
    assert llm.prompts == []


def test_parsers_reject_rambling() -> None:
    assert parse_reformulations("x" * 700 + "\nshort one", "q", 3) == ("short one",)
    assert parse_keywords("a, b", "q") is None  # no word of two characters


def test_search_uses_reformulations_and_survives_a_failing_model(runtime: Runtime, sample_collection: str) -> None:
    # given: a question whose words match nothing, in keyword mode
    question = "xyzzy plugh"
    retrieval = RetrievalSettings(mode="keyword")

    helpful = build_searcher(
        runtime.db,
        runtime.embedder,
        ScriptedChatModel(lambda _: "retrieval augmented generation"),
        retrieval=retrieval,
        expansion=ExpansionSettings(multi_query=1),
        rerank=RerankSettings(),
    )
    broken = build_searcher(
        runtime.db,
        runtime.embedder,
        ScriptedChatModel(failing),
        retrieval=retrieval,
        expansion=ExpansionSettings(multi_query=1),
        rerank=RerankSettings(),
    )
    # when
    expanded, timings = run_timed(
        "search", lambda: helpful.search(ask(question, collection=sample_collection, mode="keyword", top_k=5))
    )
    degraded = broken.search(ask(question, collection=sample_collection, mode="keyword", top_k=5))
    # then: the reformulation found passages the question alone could not; the failure found nothing, quietly
    assert len(expanded.candidates) == 5
    assert any("retrieval" in c.text.lower() or "retrieval" in c.title.lower() for c in expanded.candidates)
    assert "expand" in timings and "keyword" in timings
    assert degraded.candidates == []
