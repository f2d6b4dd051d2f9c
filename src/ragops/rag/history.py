"""Earlier turns in a prompt: the latest that fit a token budget (the oldest go first), rendered one way."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from ragops.types import Answer, Candidate, Citation, CitedDocument, Turn

MAX_TITLES_SHOWN = 4  # an answer's sources as a follow-up may name them ("the second paper")


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


def cited_documents(passages: Sequence[Candidate | Citation], cited: Collection[int]) -> tuple[CitedDocument, ...]:
    """The documents of the passages an answer cited (1-based numbers), each once, in passage order; every
    passage's document when it cited none (a follow-up still refers to what was shown)."""
    chosen = [p for n, p in enumerate(passages, start=1) if n in cited] or list(passages)
    unique: dict[int, CitedDocument] = {}
    for passage in chosen:
        unique.setdefault(passage.document_id, CitedDocument(passage.title, passage.source_id, passage.document_id))
    return tuple(unique.values())


def answered_turn(answer: Answer) -> Turn:
    """The turn a finished answer adds to its conversation."""
    cited = {c.number for c in answer.citations if c.cited}
    return Turn(answer.question, answer.text, cited_documents(answer.citations, cited))
