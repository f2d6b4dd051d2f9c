"""The LLM judge: a chat model grading at temperature 0, for evaluation, monitoring and the grounding guard.

Each use keeps its own templates, because each asks something else: evaluation grades an answer and its passages
against a reference (`eval_judge_*`), monitoring grades a served answer without one (`judge_*`), and the grounding
guard asks for a verdict on one claim (`grounding_judge`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ragops.config import EvaluationSettings, LLMSettings
from ragops.prompts import example_turns, load_prompt
from ragops.providers.base import ChatMessage, ChatModel
from ragops.providers.registry import build_chat_model
from ragops.providers.structured_replies import complete_structured, read_grades

JUDGE_METRICS = ("faithfulness", "answer_relevance", "context_precision", "context_recall", "answer_correctness")
NEEDS_REFERENCE = frozenset({"context_recall", "answer_correctness"})
NO_REFERENCE = "(none given)"
SCORES = ("groundedness", "relevance")
SCORES_MAX_TOKENS = 32  # a grade object is ~15 tokens
VERDICT_MAX_TOKENS = 4  # SUPPORTED or UNSUPPORTED
CHARS_PER_TOKEN = 4  # rough, and only used to trim passages into the judge's window
PROMPT_OVERHEAD_TOKENS = 64  # chat template markers around the turns


def grading_messages(prompt: str, **values: str) -> list[ChatMessage]:
    """`<prompt>_system`, the worked examples of `<prompt>_examples` as earlier turns, `<prompt>_user` filled in."""
    return [
        ChatMessage("system", load_prompt(f"{prompt}_system").render()),
        *example_turns(f"{prompt}_examples"),
        ChatMessage("user", load_prompt(f"{prompt}_user").render(**values)),
    ]


def grade(
    llm: ChatModel, prompt: str, keys: Sequence[str], *, max_tokens: int, retries: int = 0, **values: str
) -> dict[str, float]:
    """A 0-1 grade per key (1-5 in the reply) for the `prompt` templates filled with `values`.

    Raises UnreadableReplyError when no reply could be read, ProviderError when the model fails.
    """
    return complete_structured(
        llm,
        grading_messages(prompt, **values),
        lambda reply: read_grades(reply, keys),
        max_tokens=max_tokens,
        temperature=0.0,
        retries=retries,
    )


def numbered_passages(texts: Sequence[str]) -> str:
    """`[1] first`, `[2] second`, ...: the numbering the answers cite by."""
    return "\n\n".join(f"[{n}] {text}" for n, text in enumerate(texts, start=1))


@dataclass(frozen=True)
class AnswerJudge:
    """Evaluation: grades 1-5 in the reply, 0-1 out; grades that need a reference answer only when the item has one."""

    llm: ChatModel
    max_retries: int = 2
    max_tokens: int = 64

    def grade(self, *, question: str, passages: Sequence[str], answer: str, reference: str | None) -> dict[str, float]:
        """Raises UnreadableReplyError when no reply could be read, ProviderError when the model fails."""
        keys = [key for key in JUDGE_METRICS if reference or key not in NEEDS_REFERENCE]
        # One prompt shape for every item keeps a small model's format stable; without a reference the grades
        # that need one are still asked for, and not read.
        values = {"question": question, "reference": reference or NO_REFERENCE, "answer": answer}
        fixed = sum(self.llm.count_tokens(m.content) for m in grading_messages("eval_judge", passages="", **values))
        budget = self.llm.context_window - self.max_tokens - fixed - PROMPT_OVERHEAD_TOKENS
        # An equal share each: the judge must see every passage to grade context precision.
        share_chars = max(budget, 0) * CHARS_PER_TOKEN // max(len(passages), 1)
        trimmed = numbered_passages([_trim(text, share_chars) for text in passages])
        return grade(
            self.llm,
            "eval_judge",
            keys,
            max_tokens=self.max_tokens,
            retries=self.max_retries,
            passages=trimmed,
            **values,
        )


def build_judge(settings: EvaluationSettings, default_llm: ChatModel) -> AnswerJudge | None:
    """The configured judge (None when judging is off); without judge_providers it shares the answering model."""
    if not settings.judge:
        return None
    llm = default_llm
    if settings.judge_providers is not None:
        llm = build_chat_model(LLMSettings(providers=settings.judge_providers))
    return AnswerJudge(llm, max_retries=settings.judge_max_retries, max_tokens=settings.judge_max_tokens)


@dataclass(frozen=True)
class JudgeScores:
    groundedness: float  # 0..1
    relevance: float  # 0..1


def judge_answer(llm: ChatModel, *, question: str, context: str, answer: str) -> JudgeScores:
    """Monitoring: one call, no retry. Raises UnreadableReplyError when the reply cannot be read (or ProviderError
    when the model fails)."""
    grades = grade(
        llm, "judge", SCORES, max_tokens=SCORES_MAX_TOKENS, context=context, question=question, answer=answer
    )
    return JudgeScores(grades["groundedness"], grades["relevance"])


def supports_claim(llm: ChatModel, *, passages: str, claim: str) -> bool:
    """The grounding guard: False only when the model answers UNSUPPORTED for `claim` given `passages`."""
    prompt = load_prompt("grounding_judge").render(passages=passages, claim=claim)
    reply = llm.complete([ChatMessage("user", prompt)], max_tokens=VERDICT_MAX_TOKENS, temperature=0.0)
    return "UNSUPPORTED" not in reply.text.upper()


def _trim(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max(max_chars - 1, 0)] + "…"
