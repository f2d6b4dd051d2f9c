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
from ragops.tracing.sinks.registry import build_tracer
from ragops.tracing.tracer import Tracer, use_tracer


@dataclass
class Runtime:
    settings: Settings
    db: Database
    embedder: Embedder
    llm: ChatModel | None
    tracer: Tracer

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
    """Database + embedder (+ LLM) + the tracer; everything is closed on exit (trace export bounded)."""
    db = open_database(settings)
    try:
        embedder = build_embedder(settings.embedder)
        llm = build_chat_model(settings.llm) if with_llm else None
        with use_tracer(build_tracer(settings, db), close_timeout_s=settings.tracing.flush_timeout_s) as tracer:
            yield Runtime(settings=settings, db=db, embedder=embedder, llm=llm, tracer=tracer)
    finally:
        db.close()
