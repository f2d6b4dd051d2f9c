"""Query expansion: LLM reformulations (multi-query), a hypothetical answer (HyDE), keywords.

Expansion only ever adds to the original question. When the LLM fails or writes something unusable,
that part is dropped with a warning and retrieval goes on with what remains: never a failed request.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from ragops.config import ExpansionSettings
from ragops.errors import ProviderError
from ragops.prompts import BUILTIN_PROMPTS, PromptLibrary
from ragops.providers.base import ChatMessage, ChatModel

log = logging.getLogger(__name__)

MAX_EXPANSION_CHARS = 600  # longer than a question ever needs: the model is rambling
MIN_HYDE_WORDS = 5
_LIST_MARKER = re.compile(r"^\s*(?:[-*•]|\d+[.):])\s*")
_WORD = re.compile(r"\w{2,}")


@dataclass(frozen=True)
class ExpandedQuery:
    """The question plus what expansion added; each retriever reads the texts meant for it."""

    original: str
    reformulations: tuple[str, ...] = ()
    hypothetical_answer: str | None = None
    keywords: str | None = None
    degraded: tuple[str, ...] = field(default=())  # expansion steps that failed and were dropped

    @property
    def dense_texts(self) -> list[str]:
        extra = [self.hypothetical_answer] if self.hypothetical_answer else []
        return [self.original, *self.reformulations, *extra]

    @property
    def keyword_texts(self) -> list[str]:
        extra = [self.keywords] if self.keywords else []
        return [self.original, *self.reformulations, *extra]


def is_expansion_enabled(settings: ExpansionSettings) -> bool:
    return bool(settings.multi_query or settings.hyde or settings.keywords)


def expand_query(
    question: str, llm: ChatModel | None, settings: ExpansionSettings, prompts: PromptLibrary = BUILTIN_PROMPTS
) -> ExpandedQuery:
    """Run the enabled expansion steps; without an LLM (or with none enabled) the question alone."""
    if llm is None:
        return ExpandedQuery(question)
    degraded: list[str] = []
    reformulations: tuple[str, ...] = ()
    hypothetical: str | None = None
    keywords: str | None = None
    if settings.multi_query:
        text = _ask(
            llm, prompts, "expand_multi_query", settings, degraded, question=question, count=str(settings.multi_query)
        )
        reformulations = parse_reformulations(text, question, settings.multi_query) if text is not None else ()
        if text is not None and not reformulations:
            _unusable("multi_query", degraded)
    if settings.hyde:
        text = _ask(llm, prompts, "expand_hyde", settings, degraded, question=question)
        hypothetical = parse_hypothetical_answer(text) if text is not None else None
        if text is not None and hypothetical is None:
            _unusable("hyde", degraded)
    if settings.keywords:
        text = _ask(llm, prompts, "expand_keywords", settings, degraded, question=question)
        keywords = parse_keywords(text, question) if text is not None else None
        if text is not None and keywords is None:
            _unusable("keywords", degraded)
    return ExpandedQuery(question, reformulations, hypothetical, keywords, tuple(degraded))


def parse_reformulations(text: str, question: str, count: int) -> tuple[str, ...]:
    """Up to `count` distinct non-empty lines, list markers stripped, the question itself excluded."""
    seen = {question.strip().casefold()}
    kept: list[str] = []
    for line in text.splitlines():
        cleaned = _LIST_MARKER.sub("", line).strip().strip('"').strip()
        if not _WORD.search(cleaned) or len(cleaned) > MAX_EXPANSION_CHARS or cleaned.casefold() in seen:
            continue
        seen.add(cleaned.casefold())
        kept.append(cleaned)
        if len(kept) == count:
            break
    return tuple(kept)


def parse_hypothetical_answer(text: str) -> str | None:
    cleaned = " ".join(text.split())[:MAX_EXPANSION_CHARS]
    return cleaned if len(_WORD.findall(cleaned)) >= MIN_HYDE_WORDS else None


def parse_keywords(text: str, question: str) -> str | None:
    """Comma-separated terms with words in them; an echo of the question adds nothing."""
    echo = question.strip().casefold()
    terms = [
        t.strip()
        for t in re.split(r"[,;\n]", text)
        if _WORD.search(t) and len(t.strip()) <= 60 and t.strip().casefold() != echo
    ]
    return ", ".join(dict.fromkeys(terms)) or None


def _unusable(step: str, degraded: list[str]) -> None:
    log.warning("query expansion step %s produced nothing usable; using the question without it", step)
    degraded.append(step)


def _ask(
    llm: ChatModel, prompts: PromptLibrary, prompt: str, settings: ExpansionSettings, degraded: list[str], **values: str
) -> str | None:
    """The model's reply, or None (and the step recorded as degraded) when the provider failed."""
    step = prompt.removeprefix("expand_")
    try:
        completion = llm.complete(
            [ChatMessage("user", prompts.get(prompt).render(**values))],
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
        )
    except ProviderError as exc:
        log.warning("query expansion step %s failed (%s); using the question without it", step, exc)
        degraded.append(step)
        return None
    return completion.text
