"""The query pipeline: input guards -> retrieve -> chunk guards -> gate on relevance -> assemble context -> generate
-> cite -> output guards."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ragops.config import LLMSettings, RetrievalSettings
from ragops.guardrails.policies import GuardrailLayer, refusal
from ragops.providers.base import ChatMessage, ChatModel, Embedder
from ragops.rag.citations import cited_numbers
from ragops.rag.context import Context, assemble_context
from ragops.rag.prompts import load_prompt
from ragops.rag.retrieval import Retrieval, retrieve
from ragops.store.collections import Collection, check_embedder, require_collection
from ragops.store.database import Database
from ragops.timing import timed
from ragops.tracing.attributes import candidate_attributes, generation_attributes, guard_attributes
from ragops.tracing.spans import set_attributes, set_payload, start_trace
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
    retrieval: RetrievalSettings
    generation: LLMSettings
    guardrails: GuardrailLayer = field(default_factory=GuardrailLayer)

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
        timings_ms = {} if timings_ms is None else timings_ms
        mode = mode or self.retrieval.mode
        with timed(timings_ms, "retrieve"):
            set_payload("ragops.query", question)
            found = retrieve(
                self.db,
                self.embedder,
                self.collection(collection),
                question,
                mode=mode,
                limit=top_k or self.retrieval.top_k,
                settings=self.retrieval,
                filters=filters,
                timings_ms=timings_ms,
            )
            set_attributes({"ragops.retrieval.mode": mode, **candidate_attributes(found.candidates)})
            return found

    def answer(
        self,
        question: str,
        *,
        collection: str,
        mode: RetrievalMode | None = None,
        top_k: int | None = None,
        filters: SearchFilters | None = None,
    ) -> Answer:
        """The cited answer, with the id of its trace (one span per stage)."""
        mode = mode or self.retrieval.mode
        with start_trace("answer", {"ragops.collection": collection, "ragops.retrieval.mode": mode}) as root:
            answer = self._answer(question, collection=collection, mode=mode, top_k=top_k, filters=filters)
            set_payload("ragops.question", answer.question)  # as the input guards left it (PII redacted)
            set_attributes(
                {
                    "ragops.is_refusal": answer.is_refusal,
                    "ragops.blocked": answer.blocked,
                    "ragops.citations": len(answer.citations),
                    "ragops.citations.cited": sum(c.cited for c in answer.citations),
                    **guard_attributes(answer.safety),
                }
            )
            set_payload("ragops.answer", answer.text)
        return replace(answer, trace_id=root.trace_id)

    def _answer(
        self,
        question: str,
        *,
        collection: str,
        mode: RetrievalMode,
        top_k: int | None,
        filters: SearchFilters | None,
    ) -> Answer:
        timings_ms: dict[str, float] = {}
        models = {"embedder": self.embedder.model_id, "llm": self.llm.model_id}
        # Guardrails: the question as redacted by the input guards is what gets retrieved, prompted and reported.
        with timed(timings_ms, "guard_input"):
            screened = self.guardrails.check_input(question)
        question, safety = screened.text, list(screened.verdicts)
        if screened.blocked_by is not None:
            return Answer(
                question, refusal(screened.blocked_by), [], True, mode, timings_ms, models, blocked=True, safety=safety
            )
        found = self.search(
            question, collection=collection, mode=mode, top_k=top_k, filters=filters, timings_ms=timings_ms
        )
        with timed(timings_ms, "guard_chunks"):
            kept, chunk_verdicts = self.guardrails.filter_chunks(found.candidates)
        found, safety = replace(found, candidates=kept), safety + chunk_verdicts
        if not self._is_relevant(found):
            return Answer(question, NO_CONTEXT_ANSWER, [], True, mode, timings_ms, models, safety=safety)
        with timed(timings_ms, "assemble"):
            context = self._assemble(found.candidates, question)
        with timed(timings_ms, "generate"):
            messages = self._messages(context, question)
            completion = self.llm.complete(
                messages, max_tokens=self.generation.max_tokens, temperature=self.generation.temperature
            )
            set_attributes(
                generation_attributes(
                    model_id=completion.model_id,
                    input_tokens=completion.prompt_tokens,
                    output_tokens=completion.completion_tokens,
                    finish_reason=completion.finish_reason,
                    max_tokens=self.generation.max_tokens,
                    temperature=self.generation.temperature,
                )
            )
            set_payload("gen_ai.prompt", "\n\n".join(f"[{m.role}]\n{m.content}" for m in messages))
            set_payload("gen_ai.completion", completion.text)
        text, cited = cited_numbers(completion.text, len(context.passages))
        citations = [_citation(n, c, n in cited) for n, c in enumerate(context.passages, start=1)]
        with timed(timings_ms, "guard_output"):
            checked = self.guardrails.check_output(text, [c.text for c in context.passages])
        safety += checked.verdicts
        if checked.blocked_by is not None:
            return Answer(
                question, refusal(checked.blocked_by), [], True, mode, timings_ms, models, blocked=True, safety=safety
            )
        return Answer(question, checked.text, citations, False, mode, timings_ms, models, safety=safety)

    def _is_relevant(self, found: Retrieval) -> bool:
        if not found.candidates:
            return False
        # Keyword-only retrieval has no similarity to judge by: a match is its evidence.
        return found.best_similarity is None or found.best_similarity >= self.retrieval.min_similarity

    def _assemble(self, candidates: list[Candidate], question: str) -> Context:
        fixed = "\n".join(self._messages(Context([], ""), question)[i].content for i in (0, 1))
        budget = (
            self.llm.context_window - self.generation.max_tokens - self.llm.count_tokens(fixed) - PROMPT_OVERHEAD_TOKENS
        )
        return assemble_context(candidates, self.llm.count_tokens, budget)

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
