"""A request's knobs decided once, at the edge (HTTP route, CLI, evaluation): unset ones come from the settings."""

from __future__ import annotations

from collections.abc import Sequence

from ragops.config import Settings
from ragops.types import Query, RetrievalMode, SearchFilters, Turn


def resolve_query(
    settings: Settings,
    question: str,
    *,
    collection: str | None = None,
    mode: RetrievalMode | None = None,
    top_k: int | None = None,
    filters: SearchFilters | None = None,
    history: Sequence[Turn] = (),
    style: str = "",
) -> Query:
    """The Query the pipeline runs: the question trimmed, every knob left unset taken from `settings`; `history`
    (oldest first) without empty turns, its latest `conversation.max_history_turns`."""
    turns = tuple(turn for turn in history if turn.question.strip() or turn.answer.strip())
    return Query(
        question=question.strip(),
        collection=collection or settings.collection,
        mode=mode or settings.retrieval.mode,
        top_k=top_k or settings.retrieval.top_k,
        filters=filters,
        history=turns[-settings.conversation.max_history_turns :],
        style=style.strip(),
    )
