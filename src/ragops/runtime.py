"""Build the long-lived parts (database, models, pipeline) once, for the CLI and the server alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ragops.config import Settings
from ragops.guardrails.registry import GuardResources, build_guardrails
from ragops.prompts import PromptLibrary
from ragops.providers.base import ChatModel, Embedder
from ragops.providers.embedding_cache import SharedQueryEmbedder
from ragops.providers.registry import build_chat_model, build_embedder
from ragops.rag.condense import Condenser
from ragops.rag.pipeline import QueryPipeline
from ragops.rag.searcher import Searcher, build_searcher
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

    def pipeline(self, settings: Settings | None = None) -> QueryPipeline:
        """The answering pipeline over this runtime's database and models; `settings` overrides its knobs."""
        if self.llm is None:
            raise RuntimeError("runtime opened without an LLM")
        settings = settings or self.settings
        embedder = SharedQueryEmbedder(self.embedder)  # the denied-topics guard and retrieval embed the question once
        prompts = PromptLibrary(settings.prompts.dir)
        return QueryPipeline(
            db=self.db,
            embedder=embedder,
            llm=self.llm,
            searcher=self.searcher(settings, embedder=embedder),
            generation=settings.llm,
            context=settings.context,
            answering=settings.answer,
            guardrails=build_guardrails(settings.guardrails, GuardResources(embedder, self.llm)),
            prompts=prompts,
            condenser=Condenser(settings.conversation, self.llm, prompts),
        )

    def searcher(self, settings: Settings | None = None, embedder: Embedder | None = None) -> Searcher:
        """The configured search stages; `settings` overrides this runtime's (the benchmark's modes)."""
        settings = settings or self.settings
        return build_searcher(
            self.db,
            embedder or self.embedder,
            self.llm,
            retrieval=settings.retrieval,
            expansion=settings.expansion,
            rerank=settings.rerank,
            prompts=PromptLibrary(settings.prompts.dir),
        )


@contextmanager
def open_runtime(settings: Settings, *, with_llm: bool) -> Iterator[Runtime]:
    """Database + embedder (+ LLM) + the tracer; everything is closed on exit (trace export bounded)."""
    db = open_database(settings.database, settings.pgdata)
    try:
        embedder = build_embedder(settings.embedder)
        llm = build_chat_model(settings.llm) if with_llm else None
        with use_tracer(build_tracer(settings, db), close_timeout_s=settings.tracing.flush_timeout_s) as tracer:
            yield Runtime(settings=settings, db=db, embedder=embedder, llm=llm, tracer=tracer)
    finally:
        db.close()
