"""Each answer mode end to end on the real database, MiniLM and SmolLM2: every sentence tied to a passage span."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ragops.config import AnswerMode
from ragops.errors import ProviderError
from ragops.rag.pipeline import QueryPipeline
from ragops.types import Answer
from tests.conftest import ask
from tests.fakes.chat import ScriptedChatModel, failing

QUESTION = "How does retrieval-augmented generation use retrieved passages?"


def with_answering(pipeline: QueryPipeline, **changes: object) -> QueryPipeline:
    return replace(pipeline, answering=pipeline.answering.model_copy(update=changes))


def assert_attributions_index_the_texts(answer: Answer) -> None:
    assert answer.attributions
    for attribution in answer.attributions:
        assert answer.text[attribution.start : attribution.end] == attribution.sentence
        if attribution.citation is not None:
            passage = answer.citations[attribution.citation - 1].text
            span = passage[attribution.passage_start : attribution.passage_end]
            assert span and attribution.supported
            assert answer.citations[attribution.citation - 1].cited
            assert f"[{attribution.citation}]" in answer.text[attribution.end : attribution.end + 6]


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["generative", "extractive", "hybrid"])
def test_every_mode_ties_its_sentences_to_passage_spans(
    pipeline: QueryPipeline, sample_collection: str, mode: AnswerMode
) -> None:
    answer = with_answering(pipeline, mode=mode).answer(ask(QUESTION, collection=sample_collection))
    assert not answer.is_refusal
    assert_attributions_index_the_texts(answer)
    assert answer.answered_by.startswith(mode) or (mode == "hybrid" and answer.answered_by == "extractive (hybrid)")
    if mode != "generative":  # these never keep an unsupported sentence
        assert all(a.supported for a in answer.attributions)
        assert any(a.citation is not None for a in answer.attributions)


def test_extractive_answers_need_no_model(pipeline: QueryPipeline, sample_collection: str) -> None:
    silent = replace(with_answering(pipeline, mode="extractive"), llm=ScriptedChatModel(failing))
    answer = silent.answer(ask(QUESTION, collection=sample_collection))
    assert answer.models["llm"] == "none" and answer.usage.output_tokens == 0
    assert "generate" not in answer.timings_ms and "extract" in answer.timings_ms


def test_a_failing_llm_falls_back_to_an_extractive_answer(pipeline: QueryPipeline, sample_collection: str) -> None:
    broken = replace(with_answering(pipeline, mode="generative"), llm=ScriptedChatModel(failing))
    answer = broken.answer(ask(QUESTION, collection=sample_collection))
    assert answer.answered_by == "extractive (fallback)"
    assert_attributions_index_the_texts(answer)


def test_without_the_fallback_a_failing_llm_is_an_error(pipeline: QueryPipeline, sample_collection: str) -> None:
    broken = replace(with_answering(pipeline, fallback_to_extractive=False), llm=ScriptedChatModel(failing))
    with pytest.raises(ProviderError):
        broken.answer(ask(QUESTION, collection=sample_collection))


def test_a_looping_model_is_stopped_and_its_invented_turn_cut(pipeline: QueryPipeline, sample_collection: str) -> None:
    loop = "Retrieval-augmented generation retrieves passages for the model. " * 12 + "\nQuestion: what else?"
    looping = replace(with_answering(pipeline, mode="generative"), llm=ScriptedChatModel(lambda _: loop))
    streamed = list(looping.stream_answer(ask(QUESTION, collection=sample_collection)))
    answer = streamed[-1]
    assert isinstance(answer, Answer)
    assert answer.text.count("retrieves passages for the model") == 1
    assert "Question:" not in answer.text


def test_unsupported_sentences_are_flagged_or_dropped_as_configured(
    pipeline: QueryPipeline, sample_collection: str
) -> None:
    invented = "Quantum bananas orbit the cheese moon every Tuesday afternoon."
    for policy, expect_invented in (("flag", True), ("drop", False), ("replace", False)):
        writer = replace(
            with_answering(pipeline, mode="generative", unsupported=policy), llm=ScriptedChatModel(lambda _: invented)
        )
        answer = writer.answer(ask(QUESTION, collection=sample_collection))
        assert (invented in answer.text) is expect_invented, policy
        if policy == "flag":
            assert answer.attributions[0].supported is False and answer.attributions[0].citation is None
        else:  # nothing of the reply is left: the passages answer instead of an empty reply
            assert answer.answered_by == "extractive (fallback)", policy
            assert answer.attributions and all(a.citation is not None for a in answer.attributions)
