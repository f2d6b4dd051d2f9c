"""Earlier turns in a prompt: the latest that fit a token budget (the oldest go first), rendered one way."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Protocol

from ragops.types import CitedDocument, Turn

MAX_TITLES_SHOWN = 4  # an answer's sources as a follow-up may name them ("the second paper")


class Passage(Protocol):
    """What a passage (Candidate, Citation, a stored citation) says about its document."""

    @property
    def title(self) -> str: ...

    @property
    def source_id(self) -> str: ...

    @property
    def document_id(self) -> int: ...


def fit_history(turns: Sequence[Turn], cost: Callable[[Turn], int], budget: int, *, max_turns: int) -> tuple[Turn, ...]:
    """The latest `max_turns` turns whose costs (tokens) sum to at most `budget`, oldest dropped first."""
    kept: list[Turn] = []
    used = 0
    for turn in reversed(turns[-max_turns:]):
        used += cost(turn)
        if used > budget:
            break
        kept.append(turn)
    return tuple(reversed(kept))


def render_turn(turn: Turn) -> str:
    """One turn as plain text: the question, the answer, and the numbered titles it cited."""
    lines = [f"User: {turn.question}", f"Assistant: {turn.answer}".rstrip()]
    titles = [f"[{n}] {d.title}" for n, d in enumerate(turn.documents[:MAX_TITLES_SHOWN], start=1)]
    if titles:
        lines.append("Sources: " + "; ".join(titles))
    return "\n".join(lines)


def cited_documents(passages: Sequence[Passage], cited: Collection[int]) -> tuple[CitedDocument, ...]:
    """The documents of the passages an answer cited (1-based numbers), each once, in passage order; every
    passage's document when it cited none (a follow-up still refers to what was shown)."""
    chosen = [p for n, p in enumerate(passages, start=1) if n in cited] or list(passages)
    unique: dict[int, CitedDocument] = {}
    for passage in chosen:
        unique.setdefault(passage.document_id, CitedDocument(passage.title, passage.source_id, passage.document_id))
    return tuple(unique.values())
