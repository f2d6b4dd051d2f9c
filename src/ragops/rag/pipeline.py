"""The query pipeline: input guards -> search (self-query, expand, retrieve, rerank) -> chunk guards -> gate on
relevance -> assemble context -> generate -> cite -> output guards. One run serves whole and streamed answers;
each stage is a span of the request's trace, and the answer's timings are read off those spans."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field, replace

from ragops.config import ContextSettings, LLMSettings, RetrievalSettings
from ragops.guardrails.policies import GuardrailLayer, refusal
from ragops.providers.base import ChatMessage, ChatModel, Completion, Embedder, TextDelta
from ragops.rag.citations import check_citations
from ragops.rag.context import Context, assemble_context
from ragops.rag.prompts import BUILTIN_PROMPTS, PromptLibrary
from ragops.rag.retrieval import Retrieval
from ragops.rag.searcher import Searcher
from ragops.store.collections import Collection
from ragops.store.database import Database
from ragops.tracing.attributes import candidate_attributes, generation_attributes, guard_attributes
from ragops.tracing.spans import (
    AttributeValue,
    OpenTrace,
    add_span,
    attached,
    close_trace,
    open_trace,
    payload,
    run_stage,
    set_attributes,
    set_payload,
    stage_timings_ms,
)
from ragops.types import Answer, Candidate, Citation, GuardVerdict, Query, TokenUsage

NO_CONTEXT_ANSWER = (
    "I could not find anything relevant to this question in the knowledge base, so I cannot answer it from the sources."
)
SNIPPET_CHARS = 300
PROMPT_OVERHEAD_TOKENS = 64  # chat template markers around the system and user turns


@dataclass(frozen=True)
class Passages:
    """The ranked passages of a query, without an answer (`/v1/retrieve`)."""

    query: Query  # as it ran: filters as applied
    candidates: list[Candidate]
    timings_ms: dict[str, float]
    trace_id: str


@dataclass(frozen=True)
class _Prepared:
    """A query ready for the model: the guarded question, its passages and prompt, the verdicts so far."""

    query: Query
    context: Context
    messages: list[ChatMessage]
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
        """The named collection, checked against the embedder (NotFoundError, ConfigError)."""
        return self.searcher.collection(name)

    def retrieve(self, query: Query) -> Passages:
        """The ranked passages alone, traced as a request of their own."""
        trace = open_trace("retrieve", _trace_attributes(query))
        error: BaseException | None = None
        try:
            with attached(trace):
                found = self.searcher.search(query)
            return Passages(
                replace(query, filters=found.filters), found.candidates, stage_timings_ms(trace), trace.trace_id
            )
        except BaseException as exc:
            error = exc
            raise
        finally:
            close_trace(trace, error)

    def answer(self, query: Query) -> Answer:
        """The cited answer, with the id of its trace (one span per stage)."""
        *_, last = self._run(query, stream=False)
        assert isinstance(last, Answer)  # every run ends with its Answer
        return last

    def stream_answer(self, query: Query) -> Iterator[TextDelta | Answer]:
        """The answer's text as the model writes it (TextDelta), then the whole Answer with citations.

        Output guards judge the whole answer. While one that may block or redact is configured, the text
        is held back until the guards have passed it, then sent as one delta: a stream must not show
        what a guard would withhold or rewrite. Guards that only flag let the tokens through as they come.
        """
        return self._run(query, stream=True)

    def _run(self, query: Query, *, stream: bool) -> Generator[TextDelta | Answer, None, None]:
        # A generator cannot hold the trace's contextvar across its yields: each step attaches it.
        trace = open_trace("answer", _trace_attributes(query))
        error: BaseException | None = None
        try:
            with attached(trace):
                prepared = self._prepare(query)
            passes_tokens = stream and not any(policy.action != "flag" for policy in self.guardrails.output)
            if isinstance(prepared, Answer):
                answer = prepared
            else:
                completion = yield from self._generate(trace, prepared, stream=stream, passes_tokens=passes_tokens)
                with attached(trace):
                    answer = self._finish(prepared, completion)
            with attached(trace):
                _annotate_trace(answer)
            if stream and (isinstance(prepared, Answer) or not passes_tokens):
                yield TextDelta(answer.text)
            yield replace(answer, timings_ms=stage_timings_ms(trace), trace_id=trace.trace_id)
        except BaseException as exc:  # a client that goes away closes the stream: GeneratorExit, recorded too
            error = exc
            raise
        finally:
            close_trace(trace, error)

    def _generate(
        self, trace: OpenTrace, prepared: _Prepared, *, stream: bool, passes_tokens: bool
    ) -> Generator[TextDelta, None, Completion]:
        """The model's completion; streamed tokens are passed on as they come when `passes_tokens`."""
        started_ns, started = time.time_ns(), time.perf_counter()
        first_token_ms: float | None = None
        completion: Completion | None = None
        try:
            max_tokens, temperature = self.generation.max_tokens, self.generation.temperature
            events = (
                self.llm.stream(prepared.messages, max_tokens=max_tokens, temperature=temperature)
                if stream
                else [self.llm.complete(prepared.messages, max_tokens=max_tokens, temperature=temperature)]
            )
            for event in events:
                if isinstance(event, Completion):
                    completion = event
                    continue
                if first_token_ms is None:
                    first_token_ms = (time.perf_counter() - started) * 1000.0
                if passes_tokens:
                    yield event
        except BaseException as exc:
            with attached(trace):
                add_span("generate", started_ns, error=exc)
            raise
        assert completion is not None  # every stream ends with its Completion
        attributes = self._generation_attributes(prepared, completion)
        if first_token_ms is not None:
            attributes["ragops.time_to_first_token_ms"] = round(first_token_ms, 1)
        with attached(trace):
            add_span("generate", started_ns, attributes)
        return completion

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

    def _prepare(self, query: Query) -> _Prepared | Answer:
        """Guard the question, retrieve, guard the passages, build the prompt; an Answer when it ends early."""
        models = {"embedder": self.embedder.model_id, "llm": self.llm.model_id}
        # Guardrails: the question as redacted by the input guards is what gets retrieved, prompted and reported.
        screened = run_stage("guard_input", lambda: self.guardrails.check_input(query.question))
        query, safety = replace(query, question=screened.text), list(screened.verdicts)
        if screened.blocked_by is not None:
            return Answer(
                query=query,
                text=refusal(screened.blocked_by),
                citations=[],
                is_refusal=True,
                models=models,
                blocked=True,
                safety=safety,
            )
        found = self.searcher.search(query)
        query = replace(query, filters=found.filters)
        kept, chunk_verdicts = run_stage(
            "guard_chunks",
            lambda: self.guardrails.filter_chunks(found.candidates),
            lambda r: candidate_attributes(r[0]),
        )
        found, safety = replace(found, candidates=kept), safety + chunk_verdicts
        if not self._is_relevant(found):
            return Answer(
                query=query, text=NO_CONTEXT_ANSWER, citations=[], is_refusal=True, models=models, safety=safety
            )
        context = run_stage("assemble", lambda: self._assemble(found.candidates, query.question))
        return _Prepared(query, context, self._messages(context, query.question), safety)

    def _finish(self, prepared: _Prepared, completion: Completion) -> Answer:
        """Cite, then guard the output."""
        # The model that actually answered: with a fallback chain it may not be the first one.
        models = {"embedder": self.embedder.model_id, "llm": completion.model_id}
        usage = TokenUsage(completion.prompt_tokens, completion.completion_tokens)
        passages = prepared.context.passages
        checked_citations = check_citations(completion.text, len(passages))
        citations = [_citation(n, c, n in checked_citations.cited) for n, c in enumerate(passages, start=1)]
        checked = run_stage(
            "guard_output", lambda: self.guardrails.check_output(checked_citations.text, [c.text for c in passages])
        )
        safety = prepared.safety + list(checked.verdicts)
        if checked.blocked_by is not None:
            return Answer(
                query=prepared.query,
                text=refusal(checked.blocked_by),
                citations=[],
                is_refusal=True,
                models=models,
                blocked=True,
                safety=safety,
                usage=usage,
            )
        return Answer(
            query=prepared.query,
            text=checked.text,
            citations=citations,
            is_refusal=False,
            models=models,
            safety=safety,
            invalid_citations=tuple(checked_citations.invalid),
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


def _trace_attributes(query: Query) -> dict[str, AttributeValue]:
    return {"ragops.collection": query.collection, "ragops.retrieval.mode": query.mode, "ragops.top_k": query.top_k}


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
