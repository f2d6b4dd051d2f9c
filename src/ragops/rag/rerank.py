"""Reranking behind one interface: cross-encoder, LLM pointwise relevance, or MMR diversity."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from ragops.config import RerankSettings
from ragops.errors import ConfigError, ProviderError
from ragops.prompts import BUILTIN_PROMPTS, PromptLibrary
from ragops.providers.base import ChatMessage, ChatModel, Embedder
from ragops.store.database import Database
from ragops.store.search import chunk_embeddings
from ragops.types import Candidate

log = logging.getLogger(__name__)

_GRADE = re.compile(r"[0-3]")
UNGRADED = 1.5  # between "somewhat" (1) and "mostly" (2) relevant


class Reranker(Protocol):
    def rerank(
        self, question: str, candidates: Sequence[Candidate], top_k: int, query_vector: np.ndarray | None = None
    ) -> list[Candidate]:
        """The best `top_k` of `candidates` in a new order; never fails for a model's sake."""
        ...


@dataclass(frozen=True)
class RerankDeps:
    """What rerankers may need, all built once by the runtime."""

    db: Database
    embedder: Embedder
    llm: ChatModel | None
    prompts: PromptLibrary = BUILTIN_PROMPTS


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder scores (question, passage) pairs; score = its logit."""

    def __init__(self, model_path: str, batch_size: int) -> None:
        from sentence_transformers import CrossEncoder  # heavy: only when configured

        self._model = CrossEncoder(model_path, device="cpu")
        self._batch_size = batch_size

    def rerank(
        self, question: str, candidates: Sequence[Candidate], top_k: int, query_vector: np.ndarray | None = None
    ) -> list[Candidate]:
        if not candidates:
            return []
        pairs = [(question, _passage(c)) for c in candidates]
        scores = self._model.predict(pairs, batch_size=self._batch_size, show_progress_bar=False)
        rescored = [replace(c, score=float(s)) for c, s in zip(candidates, np.atleast_1d(scores), strict=True)]
        return sorted(rescored, key=lambda c: c.score, reverse=True)[:top_k]


class LLMReranker:
    """Pointwise: the LLM grades each passage 0-3; ties and ungraded passages keep retrieval order."""

    def __init__(self, llm: ChatModel, prompts: PromptLibrary = BUILTIN_PROMPTS) -> None:
        self._llm = llm
        self._prompt = prompts.get("rerank_relevance")

    def rerank(
        self, question: str, candidates: Sequence[Candidate], top_k: int, query_vector: np.ndarray | None = None
    ) -> list[Candidate]:
        grades = [self._grade(question, c) for c in candidates]
        if candidates and all(g is None for g in grades):
            log.warning("LLM reranker could not grade any passage; keeping the retrieval order")
        # An ungraded passage ranks as the middle grade: no evidence either way.
        scores = [UNGRADED if g is None else float(g) for g in grades]
        order = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))  # stable: ties keep retrieval order
        return [replace(candidates[i], score=scores[i]) for i in order][:top_k]

    def _grade(self, question: str, candidate: Candidate) -> int | None:
        message = ChatMessage("user", self._prompt.render(question=question, passage=_passage(candidate)))
        try:
            reply = self._llm.complete([message], max_tokens=4, temperature=0.0).text
        except ProviderError as exc:
            log.warning("LLM reranker failed on chunk %s (%s); left ungraded", candidate.chunk_id, exc)
            return None
        found = _GRADE.search(reply)
        return int(found[0]) if found else None


class MMRReranker:
    """Maximal marginal relevance over stored chunk vectors: relevant, but unlike what is already picked."""

    def __init__(self, db: Database, embedder: Embedder, trade_off: float) -> None:
        self._db = db
        self._embedder = embedder
        self._lambda = trade_off

    def rerank(
        self, question: str, candidates: Sequence[Candidate], top_k: int, query_vector: np.ndarray | None = None
    ) -> list[Candidate]:
        if not candidates:
            return []
        query = self._embedder.embed_query(question) if query_vector is None else query_vector
        with self._db.connection() as conn:
            stored = chunk_embeddings(conn, [c.chunk_id for c in candidates])
        vectors = np.stack([stored[c.chunk_id] for c in candidates])
        relevance = vectors @ query  # unit vectors: cosine similarity
        similarity = vectors @ vectors.T
        picked: list[int] = []
        remaining = list(range(len(candidates)))
        while remaining and len(picked) < top_k:
            redundancy = similarity[np.ix_(remaining, picked)].max(axis=1) if picked else np.zeros(len(remaining))
            gains = self._lambda * relevance[remaining] - (1 - self._lambda) * redundancy
            best = remaining[int(np.argmax(gains))]
            picked.append(best)
            remaining.remove(best)
        return [replace(candidates[i], score=float(relevance[i])) for i in picked]


def _cross_encoder(settings: RerankSettings, deps: RerankDeps) -> Reranker:
    if not settings.model_path:
        raise ConfigError("rerank.kind cross_encoder needs rerank.model_path: a CrossEncoder model folder")
    return CrossEncoderReranker(settings.model_path, settings.batch_size)


def _llm(settings: RerankSettings, deps: RerankDeps) -> Reranker:
    if deps.llm is None:
        raise ConfigError("rerank.kind llm needs an LLM; open the runtime with one or pick another rerank.kind")
    return LLMReranker(deps.llm, deps.prompts)


def _mmr(settings: RerankSettings, deps: RerankDeps) -> Reranker:
    return MMRReranker(deps.db, deps.embedder, settings.mmr_lambda)


RERANKER_FACTORIES: dict[str, Callable[[Any, RerankDeps], Reranker]] = {
    "cross_encoder": _cross_encoder,
    "llm": _llm,
    "mmr": _mmr,
}


def build_reranker(settings: RerankSettings, deps: RerankDeps) -> Reranker | None:
    """The configured reranker; None for kind `none` (the one place that says "no reranking")."""
    if settings.kind == "none":
        return None
    try:
        factory = RERANKER_FACTORIES[settings.kind]
    except KeyError:
        known = ", ".join(sorted(RERANKER_FACTORIES))
        raise ConfigError(f"unknown reranker kind {settings.kind!r}; known: {known}") from None
    return factory(settings, deps)


def _passage(candidate: Candidate) -> str:
    return f"{candidate.title}\n{candidate.text}" if candidate.title else candidate.text
