"""The evaluation judge: one LLM call grades an answer (faithfulness, relevance, correctness) and its context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ragops.config import EvaluationSettings, LLMSettings
from ragops.prompts import example_turns, load_prompt
from ragops.providers.base import ChatMessage, ChatModel
from ragops.providers.registry import build_chat_model
from ragops.structured_replies import complete_structured, read_grades

JUDGE_METRICS = ("faithfulness", "answer_relevance", "context_precision", "context_recall", "answer_correctness")
NEEDS_REFERENCE = frozenset({"context_recall", "answer_correctness"})
NO_REFERENCE = "(none given)"
CHARS_PER_TOKEN = 4  # rough, and only used to trim passages into the judge's window
PROMPT_OVERHEAD_TOKENS = 64  # chat template markers around the turns


@dataclass(frozen=True)
class AnswerJudge:
    """Grades 1-5 in the reply, 0-1 out; grades that need a reference answer only when the item has one."""

    llm: ChatModel
    max_retries: int = 2
    max_tokens: int = 64

    def grade(self, *, question: str, passages: Sequence[str], answer: str, reference: str | None) -> dict[str, float]:
        """Raises UnreadableReplyError when no reply could be read, ProviderError when the model fails."""
        keys = [key for key in JUDGE_METRICS if reference or key not in NEEDS_REFERENCE]
        # One prompt shape for every item keeps a small model's format stable; without a reference the grades
        # that need one are still asked for, and not read.
        messages = self._messages(question, passages, answer, reference or NO_REFERENCE)
        return complete_structured(
            self.llm,
            messages,
            lambda reply: read_grades(reply, keys),
            max_tokens=self.max_tokens,
            temperature=0.0,
            retries=self.max_retries,
        )

    def _messages(self, question: str, passages: Sequence[str], answer: str, reference: str) -> list[ChatMessage]:
        def build(passage_texts: Sequence[str]) -> list[ChatMessage]:
            numbered = "\n\n".join(f"[{n}] {text}" for n, text in enumerate(passage_texts, start=1))
            user = load_prompt("eval_judge_user").render(
                passages=numbered, question=question, reference=reference, answer=answer
            )
            return [
                ChatMessage("system", load_prompt("eval_judge_system").render()),
                *example_turns("eval_judge_examples"),
                ChatMessage("user", user),
            ]

        fixed = sum(self.llm.count_tokens(m.content) for m in build([]))
        budget = self.llm.context_window - self.max_tokens - fixed - PROMPT_OVERHEAD_TOKENS
        # An equal share each: the judge must see every passage to grade context precision.
        share_chars = max(budget, 0) * CHARS_PER_TOKEN // max(len(passages), 1)
        return build([_trim(text, share_chars) for text in passages])


def build_judge(settings: EvaluationSettings, default_llm: ChatModel) -> AnswerJudge | None:
    """The configured judge (None when judging is off); without judge_providers it shares the answering model."""
    if not settings.judge:
        return None
    llm = default_llm
    if settings.judge_providers is not None:
        llm = build_chat_model(LLMSettings(providers=settings.judge_providers))
    return AnswerJudge(llm, max_retries=settings.judge_max_retries, max_tokens=settings.judge_max_tokens)


def _trim(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max(max_chars - 1, 0)] + "…"
