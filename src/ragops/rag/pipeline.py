"""The query pipeline: search (expand, retrieve, rerank) -> gate on relevance -> assemble -> generate -> cite."""

from __future__ import annotations

from dataclasses import dataclass

from ragops.config import ContextSettings, LLMSettings
from ragops.providers.base import ChatMessage, ChatModel, Embedder
from ragops.rag.citations import check_citations
from ragops.rag.context import Context, assemble_context
from ragops.rag.prompts import load_prompt
from ragops.rag.retrieval import Retrieval
from ragops.rag.searcher import Searcher
from ragops.store.database import Database
from ragops.timing import timed
from ragops.types import Answer, Candidate, Citation, RetrievalMode, SearchFilters

NO_CONTEXT_ANSWER = (
    "I could not find anything relevant to this question in the knowledge base, so I cannot answer it from the sources."
)
SNIPPET_CHARS = 300
PROMPT_OVERHEAD_TOKENS = 64  # chat template markers around the system and user turns


@dataclass(frozen=True)
class QueryPipeline:
    """What answering needs, built once (CLI command or server lifespan) and shared by requests."""

    db: Database
    embedder: Embedder
    llm: ChatModel
    searcher: Searcher
    generation: LLMSettings
    context: ContextSettings

    def answer(
        self,
        question: str,
        *,
        collection: str,
        mode: RetrievalMode | None = None,
        top_k: int | None = None,
        filters: SearchFilters | None = None,
    ) -> Answer:
        timings_ms: dict[str, float] = {}
        mode = mode or self.searcher.retrieval.mode
        found = self.searcher.search(
            question, collection=collection, mode=mode, top_k=top_k, filters=filters, timings_ms=timings_ms
        )
        models = {"embedder": self.embedder.model_id, "llm": self.llm.model_id}
        if not self._is_relevant(found):
            return Answer(question, NO_CONTEXT_ANSWER, [], True, mode, timings_ms, models)
        with timed(timings_ms, "assemble"):
            context = self._assemble(found.candidates, question)
        with timed(timings_ms, "generate"):
            completion = self.llm.complete(
                self._messages(context, question),
                max_tokens=self.generation.max_tokens,
                temperature=self.generation.temperature,
            )
        checked = check_citations(completion.text, len(context.passages))
        citations = [_citation(n, c, n in checked.cited) for n, c in enumerate(context.passages, start=1)]
        return Answer(question, checked.text, citations, False, mode, timings_ms, models, tuple(checked.invalid))

    def _is_relevant(self, found: Retrieval) -> bool:
        if not found.candidates:
            return False
        # Keyword-only retrieval has no similarity to judge by: a match is its evidence.
        return found.best_similarity is None or found.best_similarity >= self.searcher.retrieval.min_similarity

    def _assemble(self, candidates: list[Candidate], question: str) -> Context:
        fixed = "\n".join(self._messages(Context([], ""), question)[i].content for i in (0, 1))
        budget = (
            self.llm.context_window - self.generation.max_tokens - self.llm.count_tokens(fixed) - PROMPT_OVERHEAD_TOKENS
        )
        return assemble_context(
            candidates,
            self.llm.count_tokens,
            budget,
            merge_adjacent=self.context.merge_adjacent,
            order=self.context.order,
        )

    @staticmethod
    def _messages(context: Context, question: str) -> list[ChatMessage]:
        return [
            ChatMessage("system", load_prompt("answer_system").render()),
            ChatMessage("user", load_prompt("answer_user").render(passages=context.text, question=question)),
        ]


def _citation(number: int, candidate: Candidate, cited: bool) -> Citation:
    snippet = candidate.text if len(candidate.text) <= SNIPPET_CHARS else candidate.text[:SNIPPET_CHARS] + "…"
    return Citation(
        number=number,
        chunk_id=candidate.chunk_id,
        document_id=candidate.document_id,
        source_id=candidate.source_id,
        title=candidate.title,
        uri=candidate.uri,
        score=candidate.score,
        snippet=snippet,
        cited=cited,
    )
