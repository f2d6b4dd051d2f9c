"""Build the long-lived parts (database, models, pipeline) once, for the CLI and the server alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ragops.config import Settings
from ragops.guardrails.registry import GuardResources, build_guardrails
from ragops.guardrails.vectors import SharedQueryEmbedder
from ragops.providers.base import ChatModel, Embedder
from ragops.providers.registry import build_chat_model, build_embedder
from ragops.rag.pipeline import QueryPipeline
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
        embedder = SharedQueryEmbedder(self.embedder)  # the denied-topics guard and retrieval embed the question once
        return QueryPipeline(
            db=self.db,
            embedder=embedder,
            llm=self.llm,
            retrieval=self.settings.retrieval,
            generation=self.settings.llm,
            guardrails=build_guardrails(self.settings.guardrails, GuardResources(embedder, self.llm)),
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
