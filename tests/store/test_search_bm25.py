"""BM25 in SQL against a hand computation, and its statistics kept exact through updates and deletes."""

from __future__ import annotations

import math

import pytest

from ragops.ingest.pipeline import ingest_documents
from ragops.runtime import Runtime
from ragops.store.collections import require_collection
from ragops.store.search import bm25_search, ts_rank_search
from ragops.types import SourceDocument

K1, B = 0.9, 0.4


def _ingest(runtime: Runtime, collection: str, docs: list[tuple[str, str, str]]) -> None:
    items = [SourceDocument("test", sid, title, text) for sid, title, text in docs]
    ingest_documents(
        runtime.db,
        runtime.embedder,
        items,
        collection=collection,
        source="test",
        location="memory",
        chunking=runtime.settings.chunking,
    )


def _stats(runtime: Runtime, collection: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """(maintained chunk count and total length, the same recomputed from chunks.tsv)."""
    with runtime.db.connection() as conn:
        cid = require_collection(conn, collection).id
        kept = conn.execute(
            "SELECT chunk_count, total_length FROM collection_term_stats WHERE collection_id = %s", (cid,)
        ).fetchone()
        fresh = conn.execute(
            "SELECT count(DISTINCT c.id), coalesce(sum(t.tf), 0) FROM chunks c, ragops_lexeme_counts(c.tsv) t"
            " WHERE c.collection_id = %s",
            (cid,),
        ).fetchone()
    assert kept is not None and fresh is not None
    return (int(kept[0]), int(kept[1])), (int(fresh[0]), int(fresh[1]))  # type: ignore[call-overload]


def test_bm25_scores_match_a_hand_computation(runtime: Runtime, collection_name: str) -> None:
    # given: lexeme counts (title included) A: alpha cat cat dog = 4; B: beta cat fish fish fish = 5;
    # C: gamma dog bird = 3. N = 3, avgdl = 4, df(cat) = df(dog) = 2.
    _ingest(
        runtime,
        collection_name,
        [("A", "alpha", "cat cat dog"), ("B", "beta", "cat fish fish fish"), ("C", "gamma", "dog bird")],
    )
    with runtime.db.connection() as conn:
        collection = require_collection(conn, collection_name)
        # when
        found = bm25_search(conn, collection, "The cats and a dog?", 10, k1=K1, b=B)
    # then
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))

    def term(tf: int, length: int) -> float:
        return tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / 4))

    expected = {"A": idf * (term(2, 4) + term(1, 4)), "C": idf * term(1, 3), "B": idf * term(1, 5)}
    assert [c.source_id for c in found] == ["A", "C", "B"]
    for candidate in found:
        assert candidate.score == pytest.approx(expected[candidate.source_id], rel=1e-9)


def test_term_statistics_follow_updates_and_deletes(runtime: Runtime, collection_name: str) -> None:
    _ingest(runtime, collection_name, [("A", "alpha", "cat cat dog"), ("B", "beta", "cat fish fish fish")])
    assert _stats(runtime, collection_name) == ((2, 9), (2, 9))
    # an updated document replaces its chunks
    _ingest(runtime, collection_name, [("B", "beta", "fish bird")])
    kept, fresh = _stats(runtime, collection_name)
    assert kept == fresh == (2, 7)
    with runtime.db.connection() as conn:
        collection = require_collection(conn, collection_name)
        assert [c.source_id for c in bm25_search(conn, collection, "bird", 10, k1=K1, b=B)] == ["B"]
        assert bm25_search(conn, collection, "fish fish", 10, k1=K1, b=B)[0].source_id == "B"
        # a deleted document leaves the statistics and the postings
        conn.execute("DELETE FROM documents WHERE collection_id = %s AND source_id = 'A'", (collection.id,))
        assert bm25_search(conn, collection, "cat", 10, k1=K1, b=B) == []
    assert _stats(runtime, collection_name) == ((1, 3), (1, 3))


def test_words_absent_from_the_collection_find_nothing(runtime: Runtime, collection_name: str) -> None:
    _ingest(runtime, collection_name, [("A", "alpha", "cat cat dog")])
    with runtime.db.connection() as conn:
        collection = require_collection(conn, collection_name)
        assert bm25_search(conn, collection, "zebra the of", 10, k1=K1, b=B) == []
        assert bm25_search(conn, collection, "", 10, k1=K1, b=B) == []
        assert [c.source_id for c in ts_rank_search(conn, collection, "dogs", 10)] == ["A"]
