"""The whole query pipeline with the real SmolLM2 GGUF."""

import re

from ragops.rag.pipeline import NO_CONTEXT_ANSWER, QueryPipeline
from tests.conftest import ARXIV_SAMPLE

SAMPLE_IDS = {line.split('"id": "')[1].split('"')[0] for line in ARXIV_SAMPLE.read_text().splitlines()}


def test_an_answer_cites_real_papers_from_the_collection(pipeline: QueryPipeline, sample_collection: str) -> None:
    answer = pipeline.answer("What is retrieval-augmented generation?", collection=sample_collection)

    assert not answer.is_refusal
    assert answer.text.strip()
    assert 1 <= len(answer.citations) <= pipeline.retrieval.top_k
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for citation in answer.citations:
        assert citation.source_id in SAMPLE_IDS
        assert citation.uri == f"https://arxiv.org/abs/{citation.source_id}"
        assert citation.snippet
    assert {"retrieve", "generate"} <= answer.timings_ms.keys()
    assert answer.models["llm"].endswith(".gguf")


def test_markers_in_the_answer_match_the_cited_flags(pipeline: QueryPipeline, sample_collection: str) -> None:
    answer = pipeline.answer("How does hybrid retrieval combine dense and sparse search?", collection=sample_collection)

    markers = {int(n) for group in re.findall(r"\[([\d,\s]+)\]", answer.text) for n in group.split(",")}
    assert markers == {c.number for c in answer.citations if c.cited}  # and so none past the passages


def test_a_question_outside_the_corpus_is_refused_without_calling_the_model(
    pipeline: QueryPipeline, sample_collection: str
) -> None:
    answer = pipeline.answer("What is a good recipe for sourdough bread?", collection=sample_collection)

    assert answer.is_refusal
    assert answer.text == NO_CONTEXT_ANSWER
    assert answer.citations == []
    assert "generate" not in answer.timings_ms
