"""Retrieve candidate chunks for a (possibly expanded) question: dense, keyword, or both fused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass

import numpy as np

from ragops.config import RetrievalSettings
from ragops.providers.base import Embedder
from ragops.rag.expansion import ExpandedQuery
from ragops.rag.fusion import FuseBy, best_chunk_per_document, fuse
from ragops.store.collections import Collection
from ragops.store.database import Database
from ragops.store.search import bm25_search, dense_search, ts_rank_search
from ragops.tracing.attributes import candidate_attributes
from ragops.tracing.spans import set_attributes, span
from ragops.types import Candidate, RetrievalMode, SearchFilters


@dataclass(frozen=True)
class Retrieval:
    candidates: list[Candidate]
    best_similarity: float | None  # highest dense cosine seen; None when no dense search ran
    query_vector: np.ndarray | None = None  # the question's own embedding, when dense search ran
    filters: SearchFilters | None = None  # as applied: stated by the caller or found by self-query


def retrieve(
    db: Database,
    embedder: Embedder,
    collection: Collection,
    query: ExpandedQuery,
    *,
    mode: RetrievalMode,
    limit: int,
    settings: RetrievalSettings,
    filters: SearchFilters | None,
) -> Retrieval:
    """Top `limit` candidates; each retriever looks `settings.candidates` deep for each query text."""
    depth = max(limit, settings.candidates)
    dense: list[list[Candidate]] = []
    keyword: list[list[Candidate]] = []
    vectors: list[np.ndarray] = []
    with ThreadPoolExecutor(max_workers=1) as background:
        # Keyword search needs no embedding: PostgreSQL runs it while the embedder encodes the query.
        wants_keyword = mode in ("keyword", "hybrid")
        pending = (
            # copy_context: the keyword span joins the request's trace from the worker thread
            background.submit(copy_context().run, _keyword_rankings, db, collection, query, depth, filters, settings)
            if wants_keyword and settings.concurrent_keyword
            else None
        )
        if mode in ("dense", "hybrid"):
            with span("embed_query"):
                vectors = [embedder.embed_query(text) for text in query.dense_texts]
            with db.connection() as conn, span("dense"):
                # ef_search below the depth would cap how many rows HNSW can return.
                ef_search = max(settings.hnsw_ef_search, depth)
                dense = [dense_search(conn, collection, v, depth, filters, ef_search) for v in vectors]
                set_attributes(candidate_attributes([c for ranking in dense for c in ranking]))
        if pending is not None:
            keyword = pending.result()
        elif wants_keyword:
            keyword = _keyword_rankings(db, collection, query, depth, filters, settings)
    best = max((c.similarity for ranking in dense for c in ranking if c.similarity is not None), default=None)
    rankings = dense + keyword
    weights = [settings.dense_weight] * len(dense) + [settings.keyword_weight] * len(keyword)
    if settings.one_chunk_per_document:
        rankings = [best_chunk_per_document(r) for r in rankings]
    if len(rankings) == 1:
        ranked = list(rankings[0])  # one list: its own scores stand
    else:
        with span("fuse"):
            by: FuseBy = "document" if settings.one_chunk_per_document else "chunk"
            ranked = fuse(rankings, settings.fusion, k=settings.rrf_k, weights=weights, by=by)
            set_attributes(candidate_attributes(ranked))
    return Retrieval(ranked[:limit], best, vectors[0] if vectors else None)


def _keyword_rankings(
    db: Database,
    collection: Collection,
    query: ExpandedQuery,
    depth: int,
    filters: SearchFilters | None,
    settings: RetrievalSettings,
) -> list[list[Candidate]]:
    with db.connection() as conn, span("keyword"):
        if settings.keyword_scorer == "ts_rank":
            rankings = [ts_rank_search(conn, collection, text, depth, filters) for text in query.keyword_texts]
        else:
            rankings = [
                bm25_search(conn, collection, text, depth, filters, k1=settings.bm25_k1, b=settings.bm25_b)
                for text in query.keyword_texts
            ]
        set_attributes(candidate_attributes([c for ranking in rankings for c in ranking]))
        return rankings
