"""An LLM judge for groundedness and answer relevance, with forgiving parsing of its JSON."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from ragops.errors import RagopsError
from ragops.providers.base import ChatMessage, ChatModel
from ragops.rag.prompts import load_prompt

SCALE = (1.0, 5.0)
JUDGE_MAX_TOKENS = 32  # a grade object is ~15 tokens
EXAMPLE_SEPARATOR = "\n---\n"  # judge_examples.md alternates user and assistant turns
_OBJECT = re.compile(r"\{[^{}]*\}", re.DOTALL)


class JudgeOutputError(RagopsError):
    """The judge's reply held no usable grades; that item is left out of the averages."""


@dataclass(frozen=True)
class JudgeScores:
    groundedness: float  # 0..1
    relevance: float  # 0..1


def parse_judge_output(text: str) -> JudgeScores:
    """Grades from the first JSON object carrying both keys, else from `key: number` pairs; 1-5 maps to 0-1."""
    for candidate in _OBJECT.findall(text):
        try:
            parsed: Any = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(parsed, dict) and {"groundedness", "relevance"} <= parsed.keys():
            return JudgeScores(_grade(parsed["groundedness"], text), _grade(parsed["relevance"], text))
    found = {
        key: re.search(rf"{key}[\s\"':=]{{0,4}}(-?\d+(?:\.\d+)?)", text, re.IGNORECASE)
        for key in ("groundedness", "relevance")
    }
    if found["groundedness"] and found["relevance"]:
        return JudgeScores(_grade(found["groundedness"][1], text), _grade(found["relevance"][1], text))
    raise JudgeOutputError(f"no groundedness/relevance grades in the judge's reply: {text[:200]!r}")


def _grade(value: Any, text: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise JudgeOutputError(f"grade {value!r} is not a number in {text[:200]!r}") from None
    low, high = SCALE
    if not math.isfinite(number) or not low <= number <= high:
        raise JudgeOutputError(f"grade {value!r} is outside {low:g}-{high:g} in {text[:200]!r}")
    return (number - low) / (high - low)


def _examples() -> list[ChatMessage]:
    """Worked examples as earlier turns: small models copy a format shown far better than one described."""
    turns = load_prompt("judge_examples").render().split(EXAMPLE_SEPARATOR)
    return [ChatMessage("user" if i % 2 == 0 else "assistant", turn.strip()) for i, turn in enumerate(turns)]


def judge_answer(llm: ChatModel, *, question: str, context: str, answer: str) -> JudgeScores:
    """Raises JudgeOutputError when the reply cannot be read (or ProviderError when the model fails)."""
    messages = [
        ChatMessage("system", load_prompt("judge_system").render()),
        *_examples(),
        ChatMessage("user", load_prompt("judge_user").render(context=context, question=question, answer=answer)),
    ]
    completion = llm.complete(messages, max_tokens=JUDGE_MAX_TOKENS, temperature=0.0)
    return parse_judge_output(completion.text)
