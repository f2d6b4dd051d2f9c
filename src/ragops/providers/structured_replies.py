"""Structured values out of free-form model replies, and asking again until one reads.

Small models wrap JSON in prose and code fences, rename keys, use single or curly quotes and leave trailing
commas. The LLM judge (providers/judge.py) and the test-set generator read replies through this module.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import json_repair

from ragops.errors import UnreadableReplyError
from ragops.prompts import load_prompt
from ragops.providers.base import ChatMessage, ChatModel

T = TypeVar("T")

GRADE_SCALE = (1.0, 5.0)  # what the prompts ask for; read_grades maps it onto 0-1
_CURLY_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_GRADE_TEXT = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*(?:/\s*\d+)?\s*")  # "4" or "4/5"
_QUOTED_CHARS = "\"'`"
_EXCERPT_CHARS = 200


def complete_structured(
    llm: ChatModel,
    messages: Sequence[ChatMessage],
    read: Callable[[str], T],
    *,
    max_tokens: int,
    temperature: float,
    retries: int,
) -> T:
    """`read(reply)` of the first readable reply, asking again up to `retries` times.

    A retry shows the model its unreadable reply and a reminder of the format: a changed prompt, so that even
    greedy decoding (temperature 0, reproducible) answers differently. Raises the last UnreadableReplyError,
    or ProviderError when the model fails.
    """
    conversation, previous = list(messages), None
    for attempt in range(retries + 1):
        reply = llm.complete(conversation, max_tokens=max_tokens, temperature=temperature).text
        try:
            return read(reply)
        except UnreadableReplyError:
            # The same reply again means the same prompt next time too (greedy decoding): asking is wasted.
            if attempt == retries or reply == previous:
                raise
            previous = reply
            # Only the latest failure is shown: a growing transcript would crowd a small context window.
            reminder = load_prompt("structured_reply_reminder").render()
            conversation = [*messages, ChatMessage("assistant", reply), ChatMessage("user", reminder)]
    raise AssertionError("unreachable: the last attempt returns or raises")


def json_objects(text: str) -> Iterator[dict[str, Any]]:
    """Every JSON-like object in `text`, outer before nested, keys normalised (lower case, `_` for space and `-`)."""
    cleaned = text.translate(_CURLY_QUOTES)
    position = cleaned.find("{")
    while position != -1:
        parsed = _object_at(cleaned, position)
        if parsed is not None:
            yield {_normalise_key(key): value for key, value in parsed.items()}
        position = cleaned.find("{", position + 1)  # nested objects too: `{"grades": {...}}` happens


def read_grades(text: str, keys: Sequence[str], scale: tuple[float, float] = GRADE_SCALE) -> dict[str, float]:
    """A 0-1 grade per key, from the first object carrying them all, else from `key: number` pairs.

    Raises UnreadableReplyError when a key is missing or a grade is not a number within `scale`.
    """
    for candidate in json_objects(text):
        if set(keys) <= candidate.keys():
            return {key: _scaled(candidate[key], scale, text) for key in keys}
    found = {key: _labelled(key, r"(-?\d+(?:\.\d+)?)").search(text) for key in keys}
    missing = [key for key, match in found.items() if match is None]
    if missing:
        raise UnreadableReplyError(f"no {', '.join(missing)} grade in the reply: {_excerpt(text)}")
    return {key: _scaled(match[1], scale, text) for key, match in found.items() if match is not None}


def read_fields(text: str, keys: Sequence[str]) -> dict[str, str]:
    """A non-empty string per key, from the first object carrying them all, else from `"key": "value"` pairs (an
    object cut off by max_tokens), else, when the reply holds no object, from `Key: value` lines.

    Raises UnreadableReplyError naming the keys it could not find.
    """
    objects = list(json_objects(text))
    for candidate in objects:
        values = {key: str(candidate.get(key) or "").strip() for key in keys}
        if all(values.values()):
            return values
    values = {key: _quoted_value(key, text) for key in keys}
    if not all(values.values()) and not objects:
        # Inside an object a line is JSON, not `Key: value`: only a reply without one is read by lines.
        values = {key: value or _labelled_line(key, text) for key, value in values.items()}
    missing = [key for key, value in values.items() if not value]
    if missing:
        raise UnreadableReplyError(f"no {', '.join(missing)} in the reply: {_excerpt(text)}")
    return values


def _object_at(text: str, start: int) -> dict[str, Any] | None:
    """The object that opens at `start`, read by json-repair: prose after it, single quotes, trailing commas
    and an object cut off by max_tokens all still read."""
    parsed = json_repair.loads(text[start:])
    if isinstance(parsed, list):  # json-repair returns every top-level value it found: ours is the first
        parsed = parsed[0] if parsed else None
    return parsed if isinstance(parsed, dict) else None


def _normalise_key(key: object) -> str:
    return re.sub(r"[\s-]+", "_", str(key).strip().lower())


def _labelled(key: str, value_pattern: str) -> re.Pattern[str]:
    """`Answer relevance: 4`, `"answer_relevance" = 4`, `**Answer-Relevance**: 4` for key `answer_relevance`."""
    return re.compile(rf"{_key_pattern(key)}[\s\"'*:=]{{0,6}}{value_pattern}", re.IGNORECASE | re.MULTILINE)


def _key_pattern(key: str) -> str:
    """`answer_relevance` also as `answer relevance`, `Answer-Relevance`, `answerrelevance`."""
    return r"[\s_-]?".join(re.escape(part) for part in key.split("_"))


def _quoted_value(key: str, text: str) -> str:
    """The first `"key": "value"` pair's value, JSON escapes decoded; "" when there is none."""
    match = re.search(rf'"{_key_pattern(key)}"\s*:\s*"((?:[^"\\]|\\.)*)"', text.translate(_CURLY_QUOTES), re.IGNORECASE)
    if match is None:
        return ""
    try:
        return str(json.loads(f'"{match[1]}"')).strip()
    except json.JSONDecodeError:
        return match[1].strip()


def _labelled_line(key: str, text: str) -> str:
    match = _labelled(key, r"(.+?)\s*$").search(text)
    return _unquote(match[1]) if match else ""


def _scaled(value: Any, scale: tuple[float, float], text: str) -> float:
    number = _number(value)
    low, high = scale
    if number is None or not math.isfinite(number) or not low <= number <= high:
        raise UnreadableReplyError(f"grade {value!r} is not a number from {low:g} to {high:g}: {_excerpt(text)}")
    return (number - low) / (high - low)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _GRADE_TEXT.fullmatch(str(value))
    return float(match[1]) if match else None


def _unquote(value: str) -> str:
    return value.strip().rstrip(",").strip().strip(_QUOTED_CHARS).strip()


def _excerpt(text: str) -> str:
    return repr(text[:_EXCERPT_CHARS])
