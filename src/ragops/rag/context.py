"""Context assembly: number the passages and fit them into the generator's token budget."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ragops.types import Candidate


@dataclass(frozen=True)
class Context:
    passages: list[Candidate]  # passage n is passages[n - 1]
    text: str


def format_passage(number: int, candidate: Candidate) -> str:
    return f"[{number}] {candidate.title}\n{candidate.text}"


def assemble_context(
    candidates: Sequence[Candidate], count_tokens: Callable[[str], int], budget_tokens: int
) -> Context:
    """Best-first passages while they fit `budget_tokens`; always at least the first one."""
    kept: list[Candidate] = []
    blocks: list[str] = []
    used = 0
    for candidate in candidates:
        block = format_passage(len(kept) + 1, candidate)
        cost = count_tokens(block) + 2  # the blank line between passages
        if kept and used + cost > budget_tokens:
            break
        kept.append(candidate)
        blocks.append(block)
        used += cost
    return Context(passages=kept, text="\n\n".join(blocks))
