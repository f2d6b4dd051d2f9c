"""Context assembly: dedupe, merge neighbours, fit the token budget, order, number for citation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ragops.types import Candidate

PassageOrder = Literal["relevance", "edges"]


@dataclass(frozen=True)
class Context:
    passages: list[Candidate]  # passage n is passages[n - 1]
    text: str


def format_passage(number: int, candidate: Candidate) -> str:
    return f"[{number}] {candidate.title}\n{candidate.text}"


def assemble_context(
    candidates: Sequence[Candidate],
    count_tokens: Callable[[str], int],
    budget_tokens: int,
    *,
    merge_adjacent: bool = True,
    order: PassageOrder = "edges",
) -> Context:
    """Best-first passages (after dedup and merging) while they fit `budget_tokens`; always at least one."""
    passages = drop_duplicates(candidates)
    if merge_adjacent:
        passages = merge_adjacent_chunks(passages)
    kept: list[Candidate] = []
    used = 0
    for candidate in passages:
        # Numbers are at most two digits, so costing with [n] of the final position is exact enough.
        cost = count_tokens(format_passage(len(kept) + 1, candidate)) + 2  # the blank line between passages
        if kept and used + cost > budget_tokens:
            break
        kept.append(candidate)
        used += cost
    if order == "edges":
        kept = order_for_edges(kept)
    blocks = [format_passage(n, c) for n, c in enumerate(kept, start=1)]
    return Context(passages=kept, text="\n\n".join(blocks))


def drop_duplicates(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Drop repeated chunks and any chunk whose text lies inside a better-ranked one of the same document."""
    kept: list[Candidate] = []
    for candidate in candidates:
        text = _normalised(candidate.text)
        if any(
            c.chunk_id == candidate.chunk_id
            or (_normalised(c.text) == text)
            or (c.document_id == candidate.document_id and text in _normalised(c.text))
            for c in kept
        ):
            continue
        kept.append(candidate)
    return kept


def merge_adjacent_chunks(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Join chunks n and n+1 of one document into one passage (their shared overlap once), at the better rank."""
    merged: list[Candidate] = []
    for candidate in candidates:
        for i, held in enumerate(merged):
            if held.document_id != candidate.document_id:
                continue
            first_ordinal, last_ordinal = held.ordinal, held.ordinal + held.merged_chunks - 1
            if candidate.ordinal == last_ordinal + 1:
                merged[i] = _join(held, candidate, held_first=True)
                break
            if candidate.ordinal == first_ordinal - 1:
                merged[i] = _join(held, candidate, held_first=False)
                break
        else:
            merged.append(candidate)
    return merged


def order_for_edges(passages: Sequence[Candidate]) -> list[Candidate]:
    """Best-first list -> best at the start and the end, weakest in the middle (Liu et al. 2023)."""
    front: list[Candidate] = []
    back: list[Candidate] = []
    for i, passage in enumerate(passages):
        (front if i % 2 == 0 else back).append(passage)
    return front + back[::-1]


def _join(held: Candidate, other: Candidate, *, held_first: bool) -> Candidate:
    first, second = (held, other) if held_first else (other, held)
    text = first.text + _without_overlap(first.text, second.text)
    # A merged passage spans ordinals ordinal .. ordinal + merged_chunks - 1.
    return replace(
        held,
        ordinal=first.ordinal,
        text=text,
        score=max(held.score, other.score),
        similarity=_max_or_none(held.similarity, other.similarity),
        merged_chunks=held.merged_chunks + other.merged_chunks,
    )


def join_overlapping(texts: Sequence[str]) -> str:
    """Consecutive chunks of one document as one text, each overlap once: the document as it was chunked."""
    joined = ""
    for text in texts:
        joined = joined + _without_overlap(joined, text) if joined else text
    return joined


def _without_overlap(first: str, second: str) -> str:
    """`second` minus the longest prefix that ends `first` (chunks overlap by a few tokens)."""
    for size in range(min(len(first), len(second)), 0, -1):
        if first.endswith(second[:size]):
            return second[size:]
    return " " + second


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def _max_or_none(a: float | None, b: float | None) -> float | None:
    values = [v for v in (a, b) if v is not None]
    return max(values) if values else None
