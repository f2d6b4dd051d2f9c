"""The query pipeline: input guards -> search (self-query, expand, retrieve, rerank) -> chunk guards -> gate on
relevance -> assemble context -> generate -> cite -> output guards."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from ragops.config import ContextSettings, LLMSettings, RetrievalSettings
from ragops.guardrails.policies import GuardrailLayer, refusal
from ragops.prompts import BUILTIN_PROMPTS, PromptLibrary
from ragops.providers.base import ChatMessage, ChatModel, Completion, Embedder, TextDelta
from ragops.rag.citations import check_citations
from ragops.rag.context import Context, assemble_context
from ragops.rag.retrieval import Retrieval
from ragops.rag.searcher import Searcher
from ragops.store.collections import Collection
from ragops.store.database import Database
from ragops.timing import timed
from ragops.tracing.attributes import generation_attributes, guard_attributes
from ragops.tracing.spans import (
    AttributeValue,
    add_span,
    attached,
    close_trace,
    open_trace,
    payload,
    set_attributes,
    set_payload,
    start_trace,
)
from ragops.types import Answer, Candidate, Citation, GuardVerdict, RetrievalMode, SearchFilters, TokenUsage

NO_CONTEXT_ANSWER = (
    "I could not find anything relevant to this question in the knowledge base, so I cannot answer it from the sources."
)
SNIPPET_CHARS = 300
PROMPT_OVERHEAD_TOKENS = 64  # chat template markers around the system and user turns


@dataclass(frozen=True)
class _Prepared:
    """A question ready for the model: the guarded question, its passages and prompt, and what it cost so far."""

    question: str
    mode: RetrievalMode
    context: Context
    messages: list[ChatMessage]
    timings_ms: dict[str, float]
    safety: list[GuardVerdict]


@dataclass(frozen=True)
class QueryPipeline:
    """What answering needs, built once (CLI command or server lifespan) and shared by requests."""

    db: Database
    embedder: Embedder
    llm: ChatModel
    searcher: Searcher
    generation: LLMSettings
    context: ContextSettings
    guardrails: GuardrailLayer = field(default_factory=GuardrailLayer)
    prompts: PromptLibrary = BUILTIN_PROMPTS

    @property
    def retrieval(self) -> RetrievalSettings:
        return self.searcher.retrieval

    def collection(self, name: str) -> Collection:
        return self.searcher.collection(name)

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
        with start_trace("answer", _trace_attributes(collection, mode)) as root:
            prepared = self._prepare(question, collection, mode, top_k, filters)
            if isinstance(prepared, Answer):
                answer = prepared
            else:
                with timed(prepared.timings_ms, "generate"):
                    completion = self.llm.complete(
                        prepared.messages,
                        max_tokens=self.generation.max_tokens,
                        temperature=self.generation.temperature,
                    )
                    set_attributes(self._generation_attributes(prepared, completion))
                answer = self._finish(prepared, completion)
            _annotate_trace(answer)
        return replace(answer, trace_id=root.trace_id)

    def stream_answer(
        self,
        question: str,
        *,
        collection: str,
        mode: RetrievalMode | None = None,
        top_k: int | None = None,
        filters: SearchFilters | None = None,
    ) -> Iterator[TextDelta | Answer]:
        """The answer's text as the model writes it (TextDelta), then the whole Answer with citations.

        Output guards judge the whole answer. While one that may block or redact is configured, the text
        is held back until the guards have passed it, then sent as one delta: a stream must not show
        what a guard would withhold or rewrite. Guards that only flag let the tokens through as they come.
        """
        mode = mode or self.retrieval.mode
        # A generator cannot hold the trace's contextvar across its yields: attach it around each step.
        trace = open_trace("answer", _trace_attributes(collection, mode))
        error: BaseException | None = None
        try:
            with attached(trace):
                prepared = self._prepare(question, collection, mode, top_k, filters)
            if isinstance(prepared, Answer):
                with attached(trace):
                    _annotate_trace(prepared)
                yield TextDelta(prepared.text)
                yield replace(prepared, trace_id=trace.span.trace_id)
                return
            hold_back = any(policy.action != "flag" for policy in self.guardrails.output)
            completion: Completion | None = None
            started_ns, started = time.time_ns(), time.perf_counter()
            first_token_ms: float | None = None
            for event in self.llm.stream(
                prepared.messages, max_tokens=self.generation.max_tokens, temperature=self.generation.temperature
            ):
                if isinstance(event, Completion):
                    completion = event
                    continue
                if first_token_ms is None:
                    first_token_ms = (time.perf_counter() - started) * 1000.0
                if not hold_back:
                    yield event
            prepared.timings_ms["generate"] = (time.perf_counter() - started) * 1000.0
            assert completion is not None  # every stream ends with its Completion
            attributes = self._generation_attributes(prepared, completion)
            if first_token_ms is not None:
                attributes["ragops.time_to_first_token_ms"] = round(first_token_ms, 1)
            with attached(trace):
                add_span("generate", started_ns, attributes)
                answer = self._finish(prepared, completion)
                _annotate_trace(answer)
            answer = replace(answer, trace_id=trace.span.trace_id)
            if hold_back:
                yield TextDelta(answer.text)
            yield answer
        except BaseException as exc:  # a client that goes away closes the stream: GeneratorExit, recorded too
            error = exc
            raise
        finally:
            close_trace(trace, error)

    def _generation_attributes(self, prepared: _Prepared, completion: Completion) -> dict[str, AttributeValue]:
        prompt = "\n\n".join(f"[{m.role}]\n{m.content}" for m in prepared.messages)
        return {
            **generation_attributes(
                model_id=completion.model_id,
                input_tokens=completion.prompt_tokens,
                output_tokens=completion.completion_tokens,
                finish_reason=completion.finish_reason,
                max_tokens=self.generation.max_tokens,
                temperature=self.generation.temperature,
            ),
            **payload("gen_ai.prompt", prompt),
            **payload("gen_ai.completion", completion.text),
        }

    def _prepare(
        self,
        question: str,
        collection: str,
        mode: RetrievalMode | None,
        top_k: int | None,
        filters: SearchFilters | None,
    ) -> _Prepared | Answer:
        """Guard the question, retrieve, guard the passages, build the prompt; an Answer when it ends early."""
        timings_ms: dict[str, float] = {}
        mode = mode or self.retrieval.mode
        models = {"embedder": self.embedder.model_id, "llm": self.llm.model_id}
        # Guardrails: the question as redacted by the input guards is what gets retrieved, prompted and reported.
        with timed(timings_ms, "guard_input"):
            screened = self.guardrails.check_input(question)
        question, safety = screened.text, list(screened.verdicts)
        if screened.blocked_by is not None:
            return Answer(
                question, refusal(screened.blocked_by), [], True, mode, timings_ms, models, blocked=True, safety=safety
            )
        found = self.searcher.search(
            question, collection=collection, mode=mode, top_k=top_k, filters=filters, timings_ms=timings_ms
        )
        with timed(timings_ms, "guard_chunks"):
            kept, chunk_verdicts = self.guardrails.filter_chunks(found.candidates)
        found, safety = replace(found, candidates=kept), safety + chunk_verdicts
        if not self._is_relevant(found):
            return Answer(question, NO_CONTEXT_ANSWER, [], True, mode, timings_ms, models, safety=safety)
        with timed(timings_ms, "assemble"):
            context = self._assemble(found.candidates, question)
        return _Prepared(question, mode, context, self._messages(context, question), timings_ms, safety)

    def _finish(self, prepared: _Prepared, completion: Completion) -> Answer:
        """Cite, then guard the output."""
        question, mode, timings_ms, safety = prepared.question, prepared.mode, prepared.timings_ms, prepared.safety
        # The model that actually answered: with a fallback chain it may not be the first one.
        models = {"embedder": self.embedder.model_id, "llm": completion.model_id}
        usage = TokenUsage(completion.prompt_tokens, completion.completion_tokens)
        passages = prepared.context.passages
        checked_citations = check_citations(completion.text, len(passages))
        text, invalid = checked_citations.text, tuple(checked_citations.invalid)
        citations = [_citation(n, c, n in checked_citations.cited) for n, c in enumerate(passages, start=1)]
        with timed(timings_ms, "guard_output"):
            checked = self.guardrails.check_output(text, [c.text for c in passages])
        safety = safety + list(checked.verdicts)
        if checked.blocked_by is not None:
            return Answer(
                question,
                refusal(checked.blocked_by),
                [],
                True,
                mode,
                timings_ms,
                models,
                blocked=True,
                safety=safety,
                usage=usage,
            )
        return Answer(
            question,
            checked.text,
            citations,
            False,
            mode,
            timings_ms,
            models,
            safety=safety,
            invalid_citations=invalid,
            usage=usage,
        )

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
        return assemble_context(
            candidates,
            self.llm.count_tokens,
            budget,
            merge_adjacent=self.context.merge_adjacent,
            order=self.context.order,
        )

    def _messages(self, context: Context, question: str) -> list[ChatMessage]:
        return [
            ChatMessage("system", self.prompts.get("answer_system").render()),
            ChatMessage("user", self.prompts.get("answer_user").render(passages=context.text, question=question)),
        ]


def _trace_attributes(collection: str, mode: RetrievalMode) -> dict[str, AttributeValue]:
    return {"ragops.collection": collection, "ragops.retrieval.mode": mode}


def _annotate_trace(answer: Answer) -> None:
    """The outcome on the root span."""
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
