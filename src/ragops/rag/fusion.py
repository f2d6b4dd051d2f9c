"""Fuse several rankings of the same chunks: weighted reciprocal ranks, or normalised scores."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Literal

from ragops.types import Candidate

RRF_K = 60  # Cormack et al. 2009; a larger k flattens the head of each list

FusionMethod = Literal["rrf", "minmax", "zscore"]


def fuse_rankings(
    rankings: Sequence[Sequence[Candidate]], k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[Candidate]:
    """score = sum over lists of weight / (k + rank), rank from 1; ties keep first-seen order."""
    return _fuse(rankings, weights, lambda ranking: [1.0 / (k + rank) for rank in range(1, len(ranking) + 1)])


def fuse_scores(
    rankings: Sequence[Sequence[Candidate]], method: Literal["minmax", "zscore"], weights: Sequence[float] | None = None
) -> list[Candidate]:
    """Convex combination of each list's normalised scores; a chunk missing from a list adds that list's floor.

    minmax maps each list to [0, 1]; zscore to standard deviations from its mean. The floor (0 for
    minmax, the lowest z for zscore) treats "not retrieved" as "no better than the worst retrieved".
    """
    normalise = _minmax if method == "minmax" else _zscore
    return _fuse(rankings, weights, lambda ranking: normalise([c.score for c in ranking]), missing_is_floor=True)


def fuse(
    rankings: Sequence[Sequence[Candidate]], method: FusionMethod, *, k: int, weights: Sequence[float]
) -> list[Candidate]:
    if method == "rrf":
        return fuse_rankings(rankings, k=k, weights=weights)
    return fuse_scores(rankings, method, weights=weights)


def best_chunk_per_document(ranking: Sequence[Candidate]) -> list[Candidate]:
    """Keep each document's first (best) chunk, so a document with many chunks counts once in fusion."""
    seen: set[int] = set()
    kept = []
    for candidate in ranking:
        if candidate.document_id not in seen:
            seen.add(candidate.document_id)
            kept.append(candidate)
    return kept


def _fuse(
    rankings: Sequence[Sequence[Candidate]],
    weights: Sequence[float] | None,
    contributions: Callable[[Sequence[Candidate]], list[float]],
    missing_is_floor: bool = False,
) -> list[Candidate]:
    weights = [1.0] * len(rankings) if weights is None else list(weights)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings; give one weight per ranking")
    scores: dict[int, float] = defaultdict(float)
    first_seen: dict[int, Candidate] = {}
    similarity: dict[int, float] = {}
    floors: list[tuple[float, set[int]]] = []
    for ranking, weight in zip(rankings, weights, strict=True):
        values = contributions(ranking)
        for candidate, value in zip(ranking, values, strict=True):
            scores[candidate.chunk_id] += weight * value
            first_seen.setdefault(candidate.chunk_id, candidate)
            # The dense similarity is kept from whichever list knew it, for the relevance gate.
            if candidate.similarity is not None:
                similarity[candidate.chunk_id] = candidate.similarity
        if missing_is_floor and values:
            floors.append((weight * min(values), {c.chunk_id for c in ranking}))
    for floor, present in floors:
        for chunk_id in first_seen.keys() - present:
            scores[chunk_id] += floor
    fused = [
        replace(c, score=scores[cid], similarity=similarity.get(cid, c.similarity)) for cid, c in first_seen.items()
    ]
    return sorted(fused, key=lambda c: c.score, reverse=True)


def _minmax(values: list[float]) -> list[float]:
    if not values:
        return []
    low, high = min(values), max(values)
    if high == low:
        return [1.0] * len(values)
    return [(v - low) / (high - low) for v in values]


def _zscore(values: list[float]) -> list[float]:
    if len(values) < 2:
        return [0.0] * len(values)
    mean, spread = statistics.fmean(values), statistics.pstdev(values)
    return [0.0 if spread == 0 else (v - mean) / spread for v in values]
