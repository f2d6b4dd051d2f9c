"""Build the long-lived parts (database, models, pipeline) once, for the CLI and the server alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ragops.config import Settings
from ragops.providers.base import ChatModel, Embedder
from ragops.providers.registry import build_chat_model, build_embedder
from ragops.rag.pipeline import QueryPipeline
from ragops.rag.searcher import Searcher, build_searcher
from ragops.store.database import Database, open_database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    embedder: Embedder
    llm: ChatModel | None

    def pipeline(self) -> QueryPipeline:
        if self.llm is None:
            raise RuntimeError("runtime opened without an LLM")
        return QueryPipeline(
            db=self.db,
            embedder=self.embedder,
            llm=self.llm,
            searcher=self.searcher(),
            generation=self.settings.llm,
            context=self.settings.context,
        )

    def searcher(self, settings: Settings | None = None) -> Searcher:
        """The configured search stages; `settings` overrides this runtime's (the benchmark's modes)."""
        settings = settings or self.settings
        return build_searcher(
            self.db,
            self.embedder,
            self.llm,
            retrieval=settings.retrieval,
            expansion=settings.expansion,
            rerank=settings.rerank,
        )


@contextmanager
def open_runtime(settings: Settings, *, with_llm: bool) -> Iterator[Runtime]:
    """Database + embedder (+ LLM); everything is closed on exit."""
    db = open_database(settings)
    try:
        embedder = build_embedder(settings.embedder)
        llm = build_chat_model(settings.llm) if with_llm else None
        yield Runtime(settings=settings, db=db, embedder=embedder, llm=llm)
    finally:
        db.close()
