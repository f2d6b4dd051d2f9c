"""Denied topics: the question's embedding against each topic's description and examples."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ragops.config import DeniedTopic
from ragops.guardrails.base import Detection
from ragops.providers.base import Embedder


class DeniedTopicsGuard:
    """Triggers when the cosine to any text of a topic reaches `threshold`; topic texts are embedded once."""

    def __init__(self, embedder: Embedder, topics: Sequence[DeniedTopic], threshold: float) -> None:
        if not topics:
            raise ValueError("a denied-topics guard needs at least one topic")
        self.embedder = embedder
        self.threshold = threshold
        self._owners = [topic.name for topic in topics for _ in (topic.description, *topic.examples)]
        self._vectors = embedder.embed_documents([text for t in topics for text in (t.description, *t.examples)])

    def inspect(self, text: str, *, sources: Sequence[str] = ()) -> Detection:
        similarities = self._vectors @ self.embedder.embed_query(text)  # rows are unit length: dot = cosine
        best: dict[str, float] = {}
        for owner, similarity in zip(self._owners, similarities.tolist(), strict=True):
            best[owner] = max(best.get(owner, -1.0), similarity)
        name, score = max(best.items(), key=lambda item: item[1])
        hits = sorted((n for n, s in best.items() if s >= self.threshold), key=lambda n: -best[n])
        return Detection(
            triggered=bool(hits),
            score=float(np.clip(score, 0.0, 1.0)),
            reasons=tuple(f"denied topic {n!r}: similarity {best[n]:.2f}" for n in hits)
            or (f"closest topic {name!r}: similarity {score:.2f}",),
        )
