"""A learned second signal for the injection guard: a k-nearest-neighbour vote among labelled exemplars.

Rules catch the phrasings they were written for; a paraphrase, another language or a new social-engineering
story slips past them. Sentence embeddings place such variants near the attacks they paraphrase, so the
question's vector (already computed for retrieval and the denied-topics guard) is compared with attack
exemplars and with benign hard negatives (questions *about* injection, system prompts, base64...): the
benign ones are what keep a research question from being outvoted by the attacks it talks about.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ragops.providers.base import Embedder

EXEMPLARS = "injection_exemplars.jsonl"


@dataclass(frozen=True)
class Exemplar:
    text: str
    attack: bool
    family: str  # override, extraction, roleplay, exfiltration, indirect / question, hard_negative, pii, ...


@dataclass(frozen=True)
class Vote:
    """Share of the k nearest exemplars' similarity that belongs to attacks, and the nearest exemplar."""

    attack_share: float
    nearest: Exemplar
    similarity: float
    nearest_attack_similarity: float  # how much the text resembles any attack at all


def load_exemplars(path: Path | None = None) -> tuple[Exemplar, ...]:
    """The packaged exemplars, or a JSON-lines file of {"text", "attack", "family"} rows."""
    text = (
        path.read_text("utf-8") if path else resources.files(__package__).joinpath("data", EXEMPLARS).read_text("utf-8")
    )
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    exemplars = tuple(Exemplar(str(r["text"]), bool(r["attack"]), str(r.get("family", ""))) for r in rows)
    if not any(e.attack for e in exemplars) or all(e.attack for e in exemplars):
        raise ValueError("injection exemplars need both attacks and benign texts")
    return exemplars


# Every pipeline builds its guards anew: the exemplars are encoded once per embedding model, not per build.
_VECTORS: dict[tuple[str, tuple[Exemplar, ...]], np.ndarray] = {}
_VECTORS_LOCK = threading.Lock()


class ExemplarVote:
    """Similarity-weighted vote of the `k` exemplars nearest to a text's query vector."""

    def __init__(self, embedder: Embedder, exemplars: tuple[Exemplar, ...], k: int) -> None:
        self.embedder = embedder
        self.exemplars = exemplars
        self.k = min(k, len(exemplars))
        self._attack = np.array([e.attack for e in exemplars])
        key = (embedder.model_id, exemplars)
        with _VECTORS_LOCK:
            if key not in _VECTORS:
                _VECTORS[key] = embedder.embed_documents([e.text for e in exemplars])
            self._vectors = _VECTORS[key]

    def __call__(self, text: str) -> Vote:
        # embed_query, not embed_documents: the shared embedder hands back the vector retrieval also uses.
        similarities = self._vectors @ self.embedder.embed_query(text)  # unit rows: dot = cosine
        nearest = np.argpartition(-similarities, self.k - 1)[: self.k]
        weights = np.clip(similarities[nearest], 0.0, None)  # an exemplar pointing away carries no vote
        total = float(weights.sum())
        share = float(weights[self._attack[nearest]].sum()) / total if total > 0 else 0.0
        best = int(np.argmax(similarities))
        return Vote(share, self.exemplars[best], float(similarities[best]), float(similarities[self._attack].max()))
