"""The condense stage: a follow-up question becomes the standalone query that retrieval runs on.

`conversation.condense` picks the strategy: `rules` (rag/coreference.py, no LLM), `llm` (the model rewrites the
follow-up from the history that fits its window), `llm+rules` (the model's rewrite, then what the rules resolved
added to it) or `none` (the follow-up as typed). When the model fails or writes nothing usable, the stage degrades
to the question (llm) or the rules' text (llm+rules) with a warning: never a failed request.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ragops.config import ConversationSettings
from ragops.errors import ConfigError, ProviderError
from ragops.prompts import BUILTIN_PROMPTS, PromptLibrary
from ragops.providers.base import ChatMessage, ChatModel
from ragops.rag.coreference import join_context, resolve_follow_up
from ragops.rag.history import fit_history, render_turn
from ragops.types import Condensed, CondenseStrategy, Turn

log = logging.getLogger(__name__)

PROMPT_OVERHEAD_TOKENS = 16  # the chat template's markers around the one user turn
TURN_SEPARATOR_TOKENS = 2
MAX_REWRITE_CHARS = 500  # longer than any question: the model is rambling
MIN_REWRITE_WORDS = 3
_LABEL = re.compile(r"^\s*(?:(?:rewritten|standalone|last)\s+)?question\s*:\s*", re.IGNORECASE)
_LLM_STRATEGIES = frozenset({"llm", "llm+rules"})


@dataclass(frozen=True)
class Condenser:
    """Turns (question, history) into a Condensed query with the configured strategy; built once per pipeline."""

    settings: ConversationSettings
    llm: ChatModel | None = None  # needed by the llm strategies only
    prompts: PromptLibrary = BUILTIN_PROMPTS

    def __post_init__(self) -> None:
        if self.settings.condense in _LLM_STRATEGIES and self.llm is None:
            raise ConfigError(f"conversation.condense {self.settings.condense!r} needs an LLM; configure llm.providers")

    @property
    def strategy(self) -> CondenseStrategy:
        return self.settings.condense

    def condense(self, question: str, history: Sequence[Turn]) -> Condensed:
        return _STRATEGIES[self.settings.condense](self, question, history)

    def _none(self, question: str, history: Sequence[Turn]) -> Condensed:
        return Condensed(question, "none")

    def _rules(self, question: str, history: Sequence[Turn]) -> Condensed:
        resolved = resolve_follow_up(question, history)
        return Condensed(resolved.text, "rules", resolved.documents)

    def _llm(self, question: str, history: Sequence[Turn]) -> Condensed:
        rewrite = self.rewrite(question, history)
        return Condensed(rewrite or question, "llm", degraded=rewrite is None)

    def _llm_and_rules(self, question: str, history: Sequence[Turn]) -> Condensed:
        resolved = resolve_follow_up(question, history)
        rewrite = self.rewrite(question, history)
        if rewrite is None:
            return Condensed(resolved.text, "llm+rules", resolved.documents, degraded=True)
        text = join_context(rewrite, resolved.carried, resolved.documents)
        return Condensed(text, "llm+rules", resolved.documents)

    def rewrite(self, question: str, history: Sequence[Turn]) -> str | None:
        """The model's standalone version of `question`, or None when it failed or wrote nothing usable."""
        assert self.llm is not None  # checked at construction for the strategies that call this
        llm = self.llm
        template = self.prompts.get("condense_question")
        fixed = llm.count_tokens(template.render(history="", question=question))
        budget = llm.context_window - self.settings.condense_max_tokens - fixed - PROMPT_OVERHEAD_TOKENS
        kept = fit_history(
            history,
            lambda turn: llm.count_tokens(render_turn(turn)) + TURN_SEPARATOR_TOKENS,
            budget,
            max_turns=self.settings.max_history_turns,
        )
        prompt = template.render(history="\n\n".join(render_turn(turn) for turn in kept), question=question)
        try:
            completion = llm.complete(
                [ChatMessage("user", prompt)],
                max_tokens=self.settings.condense_max_tokens,
                temperature=self.settings.condense_temperature,
            )
        except ProviderError as exc:
            log.warning("condensing the follow-up failed (%s); retrieving with the %s", exc, _fallback(self.strategy))
            return None
        rewrite = parse_rewrite(completion.text)
        if rewrite is None:
            log.warning("the condenser's reply was unusable; retrieving with the %s", _fallback(self.strategy))
        return rewrite


def parse_rewrite(text: str) -> str | None:
    """The first line of the model's reply without labels or quotes, or None when it is no question."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    rewrite = _LABEL.sub("", line).strip().strip("\"'`").strip()
    if len(rewrite.split()) < MIN_REWRITE_WORDS or len(rewrite) > MAX_REWRITE_CHARS:
        return None
    return rewrite


def _fallback(strategy: CondenseStrategy) -> str:
    return "rules' text" if strategy == "llm+rules" else "question as typed"


_STRATEGIES: dict[CondenseStrategy, Callable[[Condenser, str, Sequence[Turn]], Condensed]] = {
    "none": Condenser._none,
    "rules": Condenser._rules,
    "llm": Condenser._llm,
    "llm+rules": Condenser._llm_and_rules,
}
