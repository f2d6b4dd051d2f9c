"""The configured pipeline end to end (real database, MiniLM, SmolLM2), self-query, citation checks."""

from __future__ import annotations

from datetime import date

from ragops.config import ExpansionSettings, RerankSettings, RetrievalSettings
from ragops.rag.citations import check_citations
from ragops.rag.pipeline import QueryPipeline
from ragops.rag.searcher import build_searcher
from ragops.runtime import Runtime


def test_invalid_citations_are_dropped_and_reported() -> None:
    checked = check_citations("Yes [1]. Also [2, 7] and [0]. Done [9].", passages=3)
    assert checked.text == "Yes [1]. Also [2] and . Done ."
    assert checked.cited == {1, 2}
    assert checked.invalid == [7, 0, 9]


def test_answer_runs_every_configured_stage(pipeline: QueryPipeline, sample_collection: str) -> None:
    answer = pipeline.answer("What is retrieval-augmented generation used for?", collection=sample_collection, top_k=3)
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
    timings: dict[str, float] = {}
    found = searcher.search(
        "cs.CV papers since 2026 about retrieval", collection=sample_collection, top_k=10, timings_ms=timings
    )
    assert found.candidates and "self_query" in timings
    with runtime.db.connection() as conn:
        rows = conn.execute(
            "SELECT published, metadata -> 'categories' FROM documents WHERE id = ANY(%s)",
            ([c.document_id for c in found.candidates],),
        ).fetchall()
    assert all(published >= date(2026, 1, 1) and "cs.CV" in categories for published, categories in rows)  # type: ignore[operator]
    unfiltered = searcher.search("papers about retrieval", collection=sample_collection, top_k=10)
    assert {c.document_id for c in unfiltered.candidates} != {c.document_id for c in found.candidates}
