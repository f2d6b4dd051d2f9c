"""The retrieval half of the pipeline: self-query -> expand -> retrieve (+ fuse) -> rerank, a span each."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from ragops.config import ExpansionSettings, RerankSettings, RetrievalSettings
from ragops.prompts import BUILTIN_PROMPTS, PromptLibrary
from ragops.providers.base import ChatModel, Embedder
from ragops.rag.expansion import ExpandedQuery, expand_query, is_expansion_enabled
from ragops.rag.rerank import RerankDeps, Reranker, build_reranker
from ragops.rag.retrieval import Retrieval, retrieve
from ragops.rag.self_query import extract_filters
from ragops.store.collections import Collection, check_embedder, require_collection
from ragops.store.database import Database
from ragops.store.search import collection_categories
from ragops.tracing.attributes import candidate_attributes
from ragops.tracing.spans import AttributeValue, run_stage, set_payload
from ragops.types import Query, SearchFilters


@dataclass(frozen=True)
class Searcher:
    """Finds the passages for a query; built once, shared by requests and by the benchmark."""

    db: Database
    embedder: Embedder
    llm: ChatModel | None  # for expansion only; None = no expansion
    retrieval: RetrievalSettings
    expansion: ExpansionSettings
    reranker: Reranker | None  # None = the retrieval order stands
    rerank_depth: int  # candidates handed to the reranker
    prompts: PromptLibrary = BUILTIN_PROMPTS

    def collection(self, name: str) -> Collection:
        with self.db.connection() as conn:
            found = require_collection(conn, name)
        check_embedder(found, self.embedder.model_id, self.embedder.dimension)
        return found

    def search(self, query: Query) -> Retrieval:
        """The best `query.top_k` passages of its collection, with `query.filters` as applied (stated or found)."""
        target = self.collection(query.collection)
        filters = query.filters
        if filters is None and self.retrieval.self_query:
            filters = run_stage("self_query", lambda: self._stated_filters(query.question, target), _filter_attributes)
        expanded = ExpandedQuery(query.question)
        if self.llm is not None:
            llm = self.llm
            expanded = run_stage(
                "expand",
                lambda: expand_query(query.question, llm, self.expansion, self.prompts),
                _expansion_attributes,
            )
        set_payload("ragops.query", query.question)
        depth = max(query.top_k, self.rerank_depth if self.reranker is not None else 0)
        found = run_stage(
            "retrieve",
            lambda: retrieve(
                self.db,
                self.embedder,
                target,
                expanded,
                mode=query.mode,
                limit=depth,
                settings=self.retrieval,
                filters=filters,
            ),
            lambda r: {"ragops.retrieval.mode": query.mode, **candidate_attributes(r.candidates)},
        )
        found = replace(found, filters=filters)
        if self.reranker is None:
            return replace(found, candidates=found.candidates[: query.top_k])
        # Only the head is reranked; the rest follow in retrieval order (for callers wanting more than the depth).
        reranker, head, rest = (
            self.reranker,
            found.candidates[: self.rerank_depth],
            found.candidates[self.rerank_depth :],
        )
        reranked = run_stage(
            "rerank",
            lambda: reranker.rerank(query.question, head, min(query.top_k, len(head)), found.query_vector),
            candidate_attributes,
        )
        return replace(found, candidates=(reranked + rest)[: query.top_k])

    def _stated_filters(self, question: str, target: Collection) -> SearchFilters | None:
        with self.db.connection() as conn:
            categories = collection_categories(conn, target)
        return extract_filters(question, categories, date.today())


def _filter_attributes(filters: SearchFilters | None) -> dict[str, AttributeValue]:
    if filters is None:
        return {"ragops.filters.found": False}
    stated = {
        "ragops.filters.categories": list(filters.categories or ()),
        "ragops.filters.published_from": filters.published_from.isoformat() if filters.published_from else "",
        "ragops.filters.published_to": filters.published_to.isoformat() if filters.published_to else "",
    }
    return {"ragops.filters.found": True, **{k: v for k, v in stated.items() if v}}


def _expansion_attributes(expanded: ExpandedQuery) -> dict[str, AttributeValue]:
    return {
        "ragops.expansion.dense_texts": len(expanded.dense_texts),
        "ragops.expansion.keyword_texts": len(expanded.keyword_texts),
        "ragops.expansion.degraded": list(expanded.degraded),
    }


def build_searcher(
    db: Database,
    embedder: Embedder,
    llm: ChatModel | None,
    *,
    retrieval: RetrievalSettings,
    expansion: ExpansionSettings,
    rerank: RerankSettings,
    prompts: PromptLibrary = BUILTIN_PROMPTS,
) -> Searcher:
    return Searcher(
        db=db,
        embedder=embedder,
        llm=llm if is_expansion_enabled(expansion) else None,
        retrieval=retrieval,
        expansion=expansion,
        reranker=build_reranker(rerank, RerankDeps(db=db, embedder=embedder, llm=llm, prompts=prompts)),
        rerank_depth=rerank.depth,
        prompts=prompts,
    )
