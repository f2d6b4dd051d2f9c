"""The one interface every guard implements, and what it returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Span:
    """A stretch of text a guard found, with the placeholder label that replaces it on redaction."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class Detection:
    """A guard's finding on one text; `redacted` is the text with its spans replaced, when it can redact."""

    triggered: bool
    score: float
    reasons: tuple[str, ...] = ()
    redacted: str | None = None

    @classmethod
    def clean(cls) -> Detection:
        return cls(triggered=False, score=0.0)


class Guard(Protocol):
    """Inspects a text; `sources` are the passages an answer must rest on (output guards only)."""

    def inspect(self, text: str, *, sources: Sequence[str] = ()) -> Detection: ...


def replace_spans(text: str, spans: Sequence[Span]) -> str:
    """Replace non-overlapping spans (any order) with `[LABEL]`, keeping the text around them."""
    parts: list[str] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: s.start):
        parts.append(text[cursor : span.start])
        parts.append(f"[{span.label}]")
        cursor = span.end
    parts.append(text[cursor:])
    return "".join(parts)
