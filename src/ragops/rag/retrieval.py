"""Retrieve candidate chunks for a question: dense, keyword, or both fused by RRF."""

from __future__ import annotations

from dataclasses import dataclass

from ragops.config import RetrievalSettings
from ragops.providers.base import Embedder
from ragops.rag.fusion import fuse_rankings
from ragops.store.collections import Collection
from ragops.store.database import Database
from ragops.store.search import dense_search, keyword_search
from ragops.timing import timed
from ragops.tracing.attributes import candidate_attributes
from ragops.tracing.spans import set_attributes
from ragops.types import Candidate, RetrievalMode, SearchFilters


@dataclass(frozen=True)
class Retrieval:
    candidates: list[Candidate]
    best_similarity: float | None  # highest dense cosine seen; None when no dense search ran


def retrieve(
    db: Database,
    embedder: Embedder,
    collection: Collection,
    question: str,
    *,
    mode: RetrievalMode,
    limit: int,
    settings: RetrievalSettings,
    filters: SearchFilters | None,
    timings_ms: dict[str, float],
) -> Retrieval:
    """Top `limit` candidates; each retriever looks `settings.candidates` deep before fusion."""
    depth = max(limit, settings.candidates)
    dense: list[Candidate] = []
    keyword: list[Candidate] = []
    with db.connection() as conn:
        if mode in ("dense", "hybrid"):
            with timed(timings_ms, "embed_query"):
                query_vector = embedder.embed_query(question)
            with timed(timings_ms, "dense"):
                dense = dense_search(conn, collection, query_vector, depth, filters, settings.hnsw_ef_search)
                set_attributes(candidate_attributes(dense))
        if mode in ("keyword", "hybrid"):
            with timed(timings_ms, "keyword"):
                keyword = keyword_search(conn, collection, question, depth, filters)
                set_attributes(candidate_attributes(keyword))
    if mode == "hybrid":
        with timed(timings_ms, "fuse"):
            ranked = fuse_rankings([dense, keyword], k=settings.rrf_k)
            set_attributes(candidate_attributes(ranked))
    else:
        ranked = dense or keyword
    best = max((c.similarity for c in dense if c.similarity is not None), default=None)
    return Retrieval(candidates=ranked[:limit], best_similarity=best)
