"""Each retrieval mode against the real store and embedder, on the 120-paper sample."""

from datetime import date

import pytest
from psycopg import sql

from ragops.errors import NotFoundError
from ragops.rag.pipeline import QueryPipeline
from ragops.store.collections import vector_expression
from ragops.types import RetrievalMode, SearchFilters
from tests.conftest import ask

FAIR_RAG = "2510.22344"  # FAIR-RAG: Faithful Adaptive Iterative Refinement for Retrieval-Augmented Generation


@pytest.mark.parametrize("mode", ["dense", "keyword", "hybrid"])
def test_each_mode_finds_the_paper_a_question_is_about(
    pipeline: QueryPipeline, sample_collection: str, mode: RetrievalMode
) -> None:
    found = pipeline.searcher.search(
        ask(
            "faithful adaptive iterative refinement for retrieval-augmented generation",
            collection=sample_collection,
            mode=mode,
            top_k=3,
        )
    )
    assert FAIR_RAG in [c.source_id for c in found.candidates]
    assert len(found.candidates) <= 3


def test_dense_scores_are_cosine_similarities_in_order(pipeline: QueryPipeline, sample_collection: str) -> None:
    found = pipeline.searcher.search(ask("graph neural networks", collection=sample_collection, mode="dense", top_k=5))
    similarities = [c.similarity for c in found.candidates]
    assert all(s is not None and -1.0 <= s <= 1.0 for s in similarities)
    assert similarities == sorted(similarities, reverse=True)  # type: ignore[type-var]
    assert found.best_similarity == similarities[0]


def test_the_dense_query_uses_the_collection_hnsw_index(pipeline: QueryPipeline, sample_collection: str) -> None:
    collection = pipeline.collection(sample_collection)
    vector = pipeline.embedder.embed_query("retrieval")
    with pipeline.db.connection() as conn, conn.transaction():
        # On a table this small the planner may rather scan and sort; forbid that to ask whether the
        # partial HNSW index can serve this query at all (same expression, provable predicate).
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            conn.execute("SELECT set_config(%s, 'off', true)", (setting,))
        plan = "\n".join(
            row[0]
            for row in conn.execute(
                sql.SQL(
                    "EXPLAIN SELECT id FROM chunks WHERE collection_id = %s::integer ORDER BY {} <=> %s LIMIT 5"
                ).format(vector_expression(collection)),
                (collection.id, vector),
            )
        )
    assert f"chunks_embedding_hnsw_c{collection.id}" in plan


def test_category_filter_returns_only_that_category(pipeline: QueryPipeline, sample_collection: str) -> None:
    found = pipeline.searcher.search(
        ask(
            "learning",
            collection=sample_collection,
            mode="hybrid",
            top_k=10,
            filters=SearchFilters(categories=("cs.CV",)),
        )
    )
    assert found.candidates
    with pipeline.db.connection() as conn:
        for c in found.candidates:
            row = conn.execute(
                "SELECT metadata -> 'categories' FROM documents WHERE id = %s", (c.document_id,)
            ).fetchone()
            assert row is not None and "cs.CV" in row[0]


def test_date_filter_keeps_the_range(pipeline: QueryPipeline, sample_collection: str) -> None:
    since = date(2026, 1, 1)
    found = pipeline.searcher.search(
        ask(
            "language models",
            collection=sample_collection,
            mode="dense",
            top_k=10,
            filters=SearchFilters(published_from=since),
        )
    )
    assert len(found.candidates) == 10  # the filtered HNSW scan keeps going until LIMIT is met
    with pipeline.db.connection() as conn:
        for c in found.candidates:
            row = conn.execute("SELECT published FROM documents WHERE id = %s", (c.document_id,)).fetchone()
            assert row is not None and row[0] >= since


def test_keyword_search_of_stop_words_only_finds_nothing(pipeline: QueryPipeline, sample_collection: str) -> None:
    found = pipeline.searcher.search(ask("the and of", collection=sample_collection, mode="keyword"))
    assert found.candidates == []


def test_an_unknown_collection_is_a_not_found_error(pipeline: QueryPipeline) -> None:
    with pytest.raises(NotFoundError, match="no-such-kb"):
        pipeline.searcher.search(ask("anything", collection="no-such-kb"))
