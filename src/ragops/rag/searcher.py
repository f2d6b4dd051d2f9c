"""The retrieval half of the pipeline: self-query -> expand -> retrieve (+ fuse) -> rerank, each timed."""

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
from ragops.timing import timed
from ragops.tracing.attributes import candidate_attributes
from ragops.tracing.spans import set_attributes, set_payload
from ragops.types import RetrievalMode, SearchFilters


@dataclass(frozen=True)
class Searcher:
    """Finds the passages for a question; built once, shared by requests and by the benchmark."""

    db: Database
    embedder: Embedder
    llm: ChatModel | None  # for expansion only; None = no expansion
    retrieval: RetrievalSettings
    expansion: ExpansionSettings
    reranker: Reranker
    rerank_depth: int | None  # candidates handed to the reranker; None = no reranking
    prompts: PromptLibrary = BUILTIN_PROMPTS

    def collection(self, name: str) -> Collection:
        with self.db.connection() as conn:
            found = require_collection(conn, name)
        check_embedder(found, self.embedder.model_id, self.embedder.dimension)
        return found

    def search(
        self,
        question: str,
        *,
        collection: str,
        mode: RetrievalMode | None = None,
        top_k: int | None = None,
        filters: SearchFilters | None = None,
        timings_ms: dict[str, float] | None = None,
    ) -> Retrieval:
        """The best `top_k` passages of one collection; LLM expansion is timed apart, as 'expand'."""
        timings_ms = {} if timings_ms is None else timings_ms
        top_k = top_k or self.retrieval.top_k
        target = self.collection(collection)
        if filters is None and self.retrieval.self_query:
            with timed(timings_ms, "self_query"):
                filters = self._stated_filters(question, target)
        query = ExpandedQuery(question)
        if self.llm is not None:
            with timed(timings_ms, "expand"):
                query = expand_query(question, self.llm, self.expansion, self.prompts)
        mode = mode or self.retrieval.mode
        with timed(timings_ms, "retrieve"):
            set_payload("ragops.query", question)
            found = retrieve(
                self.db,
                self.embedder,
                target,
                query,
                mode=mode,
                limit=max(top_k, self.rerank_depth or 0),
                settings=self.retrieval,
                filters=filters,
                timings_ms=timings_ms,
            )
            set_attributes({"ragops.retrieval.mode": mode, **candidate_attributes(found.candidates)})
        if self.rerank_depth is None:
            return replace(found, candidates=found.candidates[:top_k])
        # Only the head is reranked; the rest follow in retrieval order (for callers wanting more than the depth).
        head, rest = found.candidates[: self.rerank_depth], found.candidates[self.rerank_depth :]
        with timed(timings_ms, "rerank"):
            reranked = self.reranker.rerank(question, head, min(top_k, len(head)), found.query_vector)
        return replace(found, candidates=(reranked + rest)[:top_k])

    def _stated_filters(self, question: str, target: Collection) -> SearchFilters | None:
        with self.db.connection() as conn:
            categories = collection_categories(conn, target)
        return extract_filters(question, categories, date.today())


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
    reranker = build_reranker(rerank, RerankDeps(db=db, embedder=embedder, llm=llm, prompts=prompts))
    return Searcher(
        db=db,
        embedder=embedder,
        llm=llm if is_expansion_enabled(expansion) else None,
        retrieval=retrieval,
        expansion=expansion,
        reranker=reranker,
        rerank_depth=None if rerank.kind == "none" else rerank.depth,
        prompts=prompts,
    )
