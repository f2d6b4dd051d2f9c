"""The query pipeline: input guards -> [condense a follow-up] -> search (self-query, expand, retrieve, rerank) ->
chunk guards -> gate on relevance -> assemble context -> generate -> cite -> output guards. One run serves whole
and streamed answers; each stage is a span of the request's trace, and the answer's timings are read off those
spans."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field, replace

from ragops.config import AnswerSettings, ContextSettings, ConversationSettings, LLMSettings, RetrievalSettings
from ragops.errors import ProviderError
from ragops.guardrails.policies import GuardrailLayer, refusal
from ragops.prompts import BUILTIN_PROMPTS, PromptLibrary
from ragops.providers.base import ChatMessage, ChatModel, Completion, Embedder, TextDelta
from ragops.rag.attribution import AttributedAnswer, attribute_answer, fill_answer
from ragops.rag.citations import check_citations
from ragops.rag.condense import Condenser
from ragops.rag.context import Context, assemble_context
from ragops.rag.degeneration import STOP_SEQUENCES, cut_repetition, is_looping, strip_leakage
from ragops.rag.extractive import extractive_answer
from ragops.rag.history import fit_history
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
from ragops.types import Answer, Candidate, Citation, Condensed, GuardVerdict, Query, TokenUsage, Turn

log = logging.getLogger(__name__)

NO_CONTEXT_ANSWER = (
    "I could not find anything relevant to this question in the knowledge base, so I cannot answer it from the sources."
)
SNIPPET_CHARS = 300
PROMPT_OVERHEAD_TOKENS = 64  # chat template markers around the system and user turns
MESSAGE_OVERHEAD_TOKENS = 4  # the markers around each earlier turn's message (ChatML: <|im_start|>role ... <|im_end|>)


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
    condensed: Condensed | None = None


@dataclass(frozen=True)
class QueryPipeline:
    """What answering needs, built once (CLI command or server lifespan) and shared by requests."""

    db: Database
    embedder: Embedder
    llm: ChatModel
    searcher: Searcher
    generation: LLMSettings
    context: ContextSettings
    answering: AnswerSettings = field(default_factory=AnswerSettings)
    guardrails: GuardrailLayer = field(default_factory=GuardrailLayer)
    prompts: PromptLibrary = BUILTIN_PROMPTS
    condenser: Condenser = field(default_factory=lambda: Condenser(ConversationSettings()))

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
            passes_tokens = stream and self._passes_tokens()
            if isinstance(prepared, Answer):
                answer = prepared
            elif self.answering.mode == "extractive":
                with attached(trace):
                    answer = self._extract(prepared, answered_by="extractive")
            else:
                try:
                    completion = yield from self._generate(trace, prepared, passes_tokens=passes_tokens)
                except ProviderError as exc:
                    if not self.answering.fallback_to_extractive:
                        raise
                    log.warning("every LLM provider failed (%s); answering extractively", exc)
                    with attached(trace):
                        answer = self._fall_back(prepared, str(exc))
                else:
                    with attached(trace):
                        answer = self._finish(prepared, completion)
            if isinstance(prepared, _Prepared):
                answer = replace(answer, condensed=prepared.condensed)
            with attached(trace):
                _annotate_trace(answer)
            if stream and (not passes_tokens or answer.answered_by != "generative"):
                yield TextDelta(answer.text)
            yield replace(answer, timings_ms=stage_timings_ms(trace), trace_id=trace.trace_id)
        except BaseException as exc:  # a client that goes away closes the stream: GeneratorExit, recorded too
            error = exc
            raise
        finally:
            close_trace(trace, error)

    def _passes_tokens(self) -> bool:
        """Whether a stream may show tokens as they come: only when nothing after generation rewrites the text
        (a guard that blocks or redacts, attribution that drops or replaces, hybrid filling)."""
        rewrites = self.answering.mode != "generative" or self.answering.unsupported != "flag"
        return not rewrites and all(policy.action == "flag" for policy in self.guardrails.output)

    def _generate(
        self, trace: OpenTrace, prepared: _Prepared, *, passes_tokens: bool
    ) -> Generator[TextDelta, None, Completion]:
        """The model's completion, always streamed so that it stops at an invented turn or a loop (a small model
        writes both); tokens are passed on as they come when `passes_tokens`."""
        started_ns, started = time.time_ns(), time.perf_counter()
        first_token_ms: float | None = None
        completion: Completion | None = None
        written = ""
        stopped = ""
        try:
            events = self.llm.stream(
                prepared.messages, max_tokens=self.generation.max_tokens, temperature=self.generation.temperature
            )
            try:
                for event in events:
                    if isinstance(event, Completion):
                        completion = event
                        continue
                    if first_token_ms is None:
                        first_token_ms = (time.perf_counter() - started) * 1000.0
                    written += event.text
                    stopped = _stop_reason(written, event.text)
                    if stopped:
                        break
                    if passes_tokens:
                        yield event
            finally:
                close = getattr(events, "close", None)
                if close is not None:
                    close()  # stops the model when we stopped reading
        except BaseException as exc:
            with attached(trace):
                add_span("generate", started_ns, error=exc)
            raise
        if completion is None:  # stopped early: usage as the model's own tokenizer counts it
            prompt = "\n".join(m.content for m in prepared.messages)
            completion = Completion(
                text=written.strip(),
                model_id=self.llm.model_id,
                prompt_tokens=self.llm.count_tokens(prompt),
                completion_tokens=self.llm.count_tokens(written),
                finish_reason=stopped or "stop",
                provider=self.llm.model_id.split("/", 1)[0],
                latency_ms=(time.perf_counter() - started) * 1000.0,
            )
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
        query, safety, blocked_by = run_stage("guard_input", lambda: self._screen_input(query))
        if blocked_by is not None:
            return _blocked(query, blocked_by, models=models, safety=safety)
        condensed = None
        searched = query
        if query.history:  # only follow-ups get the stage (and its span): a question alone is traced as before
            condensed = run_stage(
                "condense", lambda: self.condenser.condense(query.question, query.history), _condense_attributes
            )
            searched = replace(query, question=condensed.text)
        found = self.searcher.search(searched)
        query = replace(query, filters=found.filters)
        kept, chunk_verdicts = run_stage(
            "guard_chunks",
            lambda: self.guardrails.filter_chunks(found.candidates),
            lambda r: candidate_attributes(r[0]),
        )
        found, safety = replace(found, candidates=kept), safety + chunk_verdicts
        if not self._is_relevant(found):
            return Answer(
                query=query,
                text=NO_CONTEXT_ANSWER,
                citations=[],
                is_refusal=True,
                models=models,
                safety=safety,
                condensed=condensed,
            )
        history = self._prompt_history(query)
        context = run_stage("assemble", lambda: self._assemble(found.candidates, query, history))
        return _Prepared(query, context, self._messages(context, query, history), safety, condensed)

    def _screen_input(self, query: Query) -> tuple[Query, list[GuardVerdict], GuardVerdict | None]:
        """The question, then the client's style instructions, through the input guards as user text both."""
        screened = self.guardrails.check_input(query.question)
        query, verdicts = replace(query, question=screened.text), list(screened.verdicts)
        if screened.blocked_by is not None or not query.style:
            return query, verdicts, screened.blocked_by
        style = self.guardrails.check_input(query.style)
        return replace(query, style=style.text), verdicts + list(style.verdicts), style.blocked_by

    def _prompt_history(self, query: Query) -> tuple[Turn, ...]:
        """The latest turns that fit the answer prompt: at most `conversation.history_tokens` and never more than
        half of what the window leaves, so the passages keep the other half; the oldest go first."""
        if not query.history:
            return ()
        fixed = sum(self.llm.count_tokens(m.content) for m in self._messages(Context([], ""), query, ()))
        room = self.llm.context_window - self.generation.max_tokens - fixed - PROMPT_OVERHEAD_TOKENS
        settings = self.condenser.settings
        return fit_history(
            query.history,
            lambda turn: (
                self.llm.count_tokens(turn.question) + self.llm.count_tokens(turn.answer) + 2 * MESSAGE_OVERHEAD_TOKENS
            ),
            min(settings.history_tokens, room // 2),
            max_turns=settings.max_history_turns,
        )

    def _finish(self, prepared: _Prepared, completion: Completion) -> Answer:
        """Clean the model's text, tie each sentence to its passage, then guard the output."""
        # The model that actually answered: with a fallback chain it may not be the first one.
        models = {"embedder": self.embedder.model_id, "llm": completion.model_id}
        usage = TokenUsage(completion.prompt_tokens, completion.completion_tokens)
        passages = [c.text for c in prepared.context.passages]
        question = prepared.query.question
        cleaned = cut_repetition(strip_leakage(completion.text, question))
        if not cleaned and self.answering.fallback_to_extractive:
            # A small model's whole reply can be prompt format ("Question: ..."): an empty answer helps no one.
            return self._fall_back(prepared, "the model's reply was only prompt format")
        checked_citations = check_citations(cleaned, len(passages))
        policy = "drop" if self.answering.mode == "hybrid" else self.answering.unsupported
        attributed = run_stage(
            "attribute",
            lambda: attribute_answer(
                checked_citations.text,
                passages,
                min_support=self.answering.min_support,
                unsupported=policy,
                question=question,
            ),
            _attribution_attributes,
        )
        emptied = not attributed.attributions and self.answering.mode == "generative"  # hybrid fills by itself
        if emptied and self.answering.fallback_to_extractive:
            return self._fall_back(prepared, f"the unsupported-sentence policy ({policy}) left nothing of the reply")
        answered_by = "generative"
        if self.answering.mode == "hybrid":
            # The model's supported sentences first, then the passages' own best ones for what it left out.
            supported = AttributedAnswer(
                attributed.text,
                tuple(a for a in attributed.attributions if a.citation is not None),
                attributed.cited,
                attributed.dropped,
            )
            attributed = fill_answer(supported, self._extractive(prepared), max_sentences=self.answering.max_sentences)
            answered_by = "hybrid" if supported.attributions else "extractive (hybrid)"
        return self._guarded(
            prepared,
            attributed,
            models=models,
            usage=usage,
            answered_by=answered_by,
            invalid_citations=tuple(checked_citations.invalid),
        )

    def _fall_back(self, prepared: _Prepared, reason: str) -> Answer:
        set_attributes({"ragops.answer.fallback_reason": reason})
        return self._extract(prepared, answered_by="extractive (fallback)")

    def _extract(self, prepared: _Prepared, *, answered_by: str) -> Answer:
        """The answer without an LLM: the passage sentences that best answer the question, each cited."""
        attributed = run_stage("extract", lambda: self._extractive(prepared), _attribution_attributes)
        models = {"embedder": self.embedder.model_id, "llm": "none"}
        return self._guarded(prepared, attributed, models=models, usage=TokenUsage(), answered_by=answered_by)

    def _extractive(self, prepared: _Prepared) -> AttributedAnswer:
        return extractive_answer(
            prepared.query.question,
            [c.text for c in prepared.context.passages],
            max_sentences=self.answering.max_sentences,
            max_chars=self.answering.max_chars,
        )

    def _guarded(
        self,
        prepared: _Prepared,
        attributed: AttributedAnswer,
        *,
        models: dict[str, str],
        usage: TokenUsage,
        answered_by: str,
        invalid_citations: tuple[int, ...] = (),
    ) -> Answer:
        """The output guards' word on an attributed answer: blocked, or the answer with its citations."""
        passages = prepared.context.passages
        texts = [c.text for c in passages]
        checked = run_stage("guard_output", lambda: self.guardrails.check_output(attributed.text, texts))
        safety = prepared.safety + list(checked.verdicts)
        if checked.blocked_by is not None:
            return _blocked(
                prepared.query, checked.blocked_by, models=models, safety=safety, usage=usage, answered_by=answered_by
            )
        if checked.text != attributed.text:  # a guard rewrote it (redaction): the offsets must follow
            attributed = attribute_answer(checked.text, texts, min_support=self.answering.min_support)
        return Answer(
            query=prepared.query,
            text=attributed.text,
            citations=[_citation(n, c, n in attributed.cited) for n, c in enumerate(passages, start=1)],
            is_refusal=False,
            models=models,
            safety=safety,
            invalid_citations=invalid_citations,
            usage=usage,
            attributions=attributed.attributions,
            answered_by=answered_by,
        )

    def _is_relevant(self, found: Retrieval) -> bool:
        if not found.candidates:
            return False
        # Keyword-only retrieval has no similarity to judge by: a match is its evidence.
        return found.best_similarity is None or found.best_similarity >= self.retrieval.min_similarity

    def _assemble(self, candidates: list[Candidate], query: Query, history: tuple[Turn, ...]) -> Context:
        messages = self._messages(Context([], ""), query, history)
        fixed = self.llm.count_tokens("\n".join(m.content for m in messages))
        overhead = PROMPT_OVERHEAD_TOKENS + MESSAGE_OVERHEAD_TOKENS * (len(messages) - 2)
        budget = self.llm.context_window - self.generation.max_tokens - fixed - overhead
        return assemble_context(
            candidates,
            self.llm.count_tokens,
            budget,
            merge_adjacent=self.context.merge_adjacent,
            order=self.context.order,
        )

    def _messages(self, context: Context, query: Query, history: tuple[Turn, ...]) -> list[ChatMessage]:
        """Our system prompt (with the client's style inside it), the earlier turns, then passages and question."""
        system = self.prompts.get("answer_system").render()
        if query.style:
            system += "\n\n" + self.prompts.get("answer_style").render(style=query.style)
        pairs = ((ChatMessage("user", t.question), ChatMessage("assistant", t.answer)) for t in history)
        turns = [m for pair in pairs for m in pair if m.content]  # a question asked twice has no answer
        question = self.prompts.get("answer_user").render(passages=context.text, question=query.question)
        return [ChatMessage("system", system), *turns, ChatMessage("user", question)]


def _trace_attributes(query: Query) -> dict[str, AttributeValue]:
    return {"ragops.collection": query.collection, "ragops.retrieval.mode": query.mode, "ragops.top_k": query.top_k}


def _blocked(
    query: Query,
    verdict: GuardVerdict,
    *,
    models: dict[str, str],
    safety: list[GuardVerdict],
    usage: TokenUsage | None = None,
    answered_by: str = "",
) -> Answer:
    """A guardrail refused the question or withheld the answer: its refusal, nothing cited."""
    return Answer(
        query=query,
        text=refusal(verdict),
        citations=[],
        is_refusal=True,
        models=models,
        blocked=True,
        safety=safety,
        usage=usage or TokenUsage(),
        answered_by=answered_by,
    )


def _stop_reason(written: str, latest: str) -> str:
    """Why generation should stop now: an invented turn or template token, a loop, or nothing ("")."""
    tail = written[-(len(latest) + max(map(len, STOP_SEQUENCES))) :]
    if any(stop in tail for stop in STOP_SEQUENCES):
        return "stop_sequence"
    # A loop shows at a sentence's end; checking only there keeps the detector off the per-token path.
    if any(mark in latest for mark in ".!?\n") and is_looping(written):
        return "loop"
    return ""


def _condense_attributes(condensed: Condensed) -> dict[str, AttributeValue]:
    return {
        "ragops.condense.strategy": condensed.strategy,
        **payload("ragops.condense.standalone", condensed.text),
        "ragops.condense.documents": [d.source_id or d.title for d in condensed.documents],
        "ragops.condense.degraded": condensed.degraded,
    }


def _attribution_attributes(attributed: AttributedAnswer) -> dict[str, AttributeValue]:
    claims = [a for a in attributed.attributions if a.citation is not None or not a.supported]
    return {
        "ragops.attribution.sentences": len(attributed.attributions),
        "ragops.attribution.supported": sum(a.supported and a.citation is not None for a in claims),
        "ragops.attribution.unsupported": sum(not a.supported for a in claims),
        "ragops.attribution.changed": sum(
            a.corrected in ("added", "changed", "replaced") for a in attributed.attributions
        ),
        "ragops.attribution.dropped": len(attributed.dropped),
    }


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
        text=candidate.text,
    )
