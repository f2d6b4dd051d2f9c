"""The configured pipeline end to end (real database, MiniLM, SmolLM2), self-query, citation checks."""

from __future__ import annotations

import re
from datetime import date

from ragops.config import ExpansionSettings, RerankSettings, RetrievalSettings
from ragops.rag.citations import check_citations
from ragops.rag.pipeline import NO_CONTEXT_ANSWER, QueryPipeline
from ragops.rag.searcher import build_searcher
from ragops.runtime import Runtime
from ragops.tracing.spans import run_timed
from tests.conftest import ARXIV_SAMPLE, ask


def test_invalid_citations_are_dropped_and_reported() -> None:
    checked = check_citations("Yes [1]. Also [2, 7] and [0]. Done [9].", passages=3)
    assert checked.text == "Yes [1]. Also [2] and . Done ."
    assert checked.cited == {1, 2}
    assert checked.invalid == [7, 0, 9]


def test_answer_runs_every_configured_stage(pipeline: QueryPipeline, sample_collection: str) -> None:
    answer = pipeline.answer(
        ask("What is retrieval-augmented generation used for?", collection=sample_collection, top_k=3)
    )
    assert not answer.is_refusal
    assert 1 <= len(answer.citations) <= 3
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert len({c.chunk_id for c in answer.citations}) == len(answer.citations)  # deduplicated
    assert {"retrieve", "embed_query", "dense", "keyword", "fuse", "assemble", "generate"} <= set(answer.timings_ms)
    assert answer.text.strip()


def test_self_query_filters_by_stated_date_and_category(runtime: Runtime, sample_collection: str) -> None:
    searcher = build_searcher(
        runtime.db,
        runtime.embedder,
        None,
        retrieval=RetrievalSettings(self_query=True),
        expansion=ExpansionSettings(),
        rerank=RerankSettings(),
    )
    found, timings = run_timed(
        "search",
        lambda: searcher.search(ask("cs.CV papers since 2026 about retrieval", collection=sample_collection, top_k=10)),
    )
    assert found.candidates and "self_query" in timings
    with runtime.db.connection() as conn:
        rows = conn.execute(
            "SELECT published, metadata -> 'categories' FROM documents WHERE id = ANY(%s)",
            ([c.document_id for c in found.candidates],),
        ).fetchall()
    assert all(published >= date(2026, 1, 1) and "cs.CV" in categories for published, categories in rows)  # type: ignore[operator]
    unfiltered = searcher.search(ask("papers about retrieval", collection=sample_collection, top_k=10))
    assert {c.document_id for c in unfiltered.candidates} != {c.document_id for c in found.candidates}


SAMPLE_IDS = {line.split('"id": "')[1].split('"')[0] for line in ARXIV_SAMPLE.read_text().splitlines()}


def test_an_answer_cites_real_papers_from_the_collection(pipeline: QueryPipeline, sample_collection: str) -> None:
    answer = pipeline.answer(ask("What is retrieval-augmented generation?", collection=sample_collection))

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
    answer = pipeline.answer(
        ask("How does hybrid retrieval combine dense and sparse search?", collection=sample_collection)
    )

    markers = {int(n) for group in re.findall(r"\[([\d,\s]+)\]", answer.text) for n in group.split(",")}
    assert markers == {c.number for c in answer.citations if c.cited}  # and so none past the passages


def test_a_question_outside_the_corpus_is_refused_without_calling_the_model(
    pipeline: QueryPipeline, sample_collection: str
) -> None:
    answer = pipeline.answer(ask("What is a good recipe for sourdough bread?", collection=sample_collection))

    assert answer.is_refusal
    assert answer.text == NO_CONTEXT_ANSWER
    assert answer.citations == []
    assert "generate" not in answer.timings_ms
