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
FuseBy = Literal["chunk", "document"]


def _key(by: FuseBy) -> Callable[[Candidate], int]:
    """What counts as the same item across lists: the chunk, or (documents ranked by best chunk) the document."""
    return (lambda c: c.document_id) if by == "document" else (lambda c: c.chunk_id)


def fuse_rankings(
    rankings: Sequence[Sequence[Candidate]],
    k: int = RRF_K,
    weights: Sequence[float] | None = None,
    by: FuseBy = "chunk",
) -> list[Candidate]:
    """score = sum over lists of weight / (k + rank), rank from 1; ties keep first-seen order."""
    return _fuse(rankings, weights, lambda ranking: [1.0 / (k + rank) for rank in range(1, len(ranking) + 1)], by)


def fuse_scores(
    rankings: Sequence[Sequence[Candidate]],
    method: Literal["minmax", "zscore"],
    weights: Sequence[float] | None = None,
    by: FuseBy = "chunk",
) -> list[Candidate]:
    """Convex combination of each list's normalised scores; a chunk missing from a list adds that list's floor.

    minmax maps each list to [0, 1]; zscore to standard deviations from its mean. The floor (0 for
    minmax, the lowest z for zscore) treats "not retrieved" as "no better than the worst retrieved".
    """
    normalise = _minmax if method == "minmax" else _zscore
    return _fuse(rankings, weights, lambda ranking: normalise([c.score for c in ranking]), by, missing_is_floor=True)


def fuse(
    rankings: Sequence[Sequence[Candidate]], method: FusionMethod, *, k: int, weights: Sequence[float], by: FuseBy
) -> list[Candidate]:
    if method == "rrf":
        return fuse_rankings(rankings, k=k, weights=weights, by=by)
    return fuse_scores(rankings, method, weights=weights, by=by)


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
    by: FuseBy,
    missing_is_floor: bool = False,
) -> list[Candidate]:
    """Each item (chunk or document) keeps the candidate it was first seen as: its best chunk in the first list."""
    key = _key(by)
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
            item = key(candidate)
            scores[item] += weight * value
            first_seen.setdefault(item, candidate)
            # The best dense similarity any list knew, for the relevance gate.
            if candidate.similarity is not None:
                similarity[item] = max(candidate.similarity, similarity.get(item, candidate.similarity))
        if missing_is_floor and values:
            floors.append((weight * min(values), {key(c) for c in ranking}))
    for floor, present in floors:
        for item in first_seen.keys() - present:
            scores[item] += floor
    fused = [replace(c, score=scores[i], similarity=similarity.get(i, c.similarity)) for i, c in first_seen.items()]
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
