"""Reciprocal rank fusion of several rankings of the same chunks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from ragops.types import Candidate

RRF_K = 60  # Cormack et al. 2009; a larger k flattens the head of each list


def fuse_rankings(rankings: Sequence[Sequence[Candidate]], k: int = RRF_K) -> list[Candidate]:
    """score = sum over lists of 1 / (k + rank), rank from 1; ties keep first-seen order.

    The dense similarity of a chunk is kept from whichever list knew it, for the relevance gate.
    """
    scores: dict[int, float] = defaultdict(float)
    first_seen: dict[int, Candidate] = {}
    similarity: dict[int, float] = {}
    for ranking in rankings:
        for rank, candidate in enumerate(ranking, start=1):
            scores[candidate.chunk_id] += 1.0 / (k + rank)
            first_seen.setdefault(candidate.chunk_id, candidate)
            if candidate.similarity is not None:
                similarity[candidate.chunk_id] = candidate.similarity
    fused = [
        replace(c, score=scores[cid], similarity=similarity.get(cid, c.similarity)) for cid, c in first_seen.items()
    ]
    return sorted(fused, key=lambda c: c.score, reverse=True)
