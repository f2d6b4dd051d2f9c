"""An LLM judge for groundedness and answer relevance, with forgiving parsing of its JSON."""

from __future__ import annotations

from dataclasses import dataclass

from ragops.prompts import example_turns, load_prompt
from ragops.providers.base import ChatMessage, ChatModel
from ragops.structured_replies import read_grades

JUDGE_MAX_TOKENS = 32  # a grade object is ~15 tokens


@dataclass(frozen=True)
class JudgeScores:
    groundedness: float  # 0..1
    relevance: float  # 0..1


def parse_judge_output(text: str) -> JudgeScores:
    """Grades (1-5 in the reply, 0-1 here); raises UnreadableReplyError when either is missing or out of range."""
    grades = read_grades(text, ("groundedness", "relevance"))
    return JudgeScores(grades["groundedness"], grades["relevance"])


def judge_answer(llm: ChatModel, *, question: str, context: str, answer: str) -> JudgeScores:
    """Raises UnreadableReplyError when the reply cannot be read (or ProviderError when the model fails)."""
    messages = [
        ChatMessage("system", load_prompt("judge_system").render()),
        *example_turns("judge_examples"),
        ChatMessage("user", load_prompt("judge_user").render(context=context, question=question, answer=answer)),
    ]
    completion = llm.complete(messages, max_tokens=JUDGE_MAX_TOKENS, temperature=0.0)
    return parse_judge_output(completion.text)
