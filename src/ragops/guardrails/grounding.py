"""Output grounding: every sentence of an answer should rest on a sentence of the passages it cites."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from ragops.guardrails.base import Detection
from ragops.lexical import best_coverage, content_stems, is_claim, split_sentences
from ragops.providers.base import ChatModel, Embedder
from ragops.providers.judge import numbered_passages, supports_claim

_MARKERS = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
MAX_REASONS = 3

SupportScorer = Callable[[Sequence[str], Sequence[str]], list[float]]  # (claims, passages) -> support in [0, 1]


def claims_of(answer: str) -> list[str]:
    """Answer sentences that make a checkable claim, citation markers removed."""
    sentences = (_MARKERS.sub("", s).strip() for s in split_sentences(answer))
    return [s for s in sentences if is_claim(s)]


class LexicalSupport:
    """Support of a claim = the share of its content words found in one passage (the best one).

    A claim whose words are mostly absent from every passage (new entities, numbers, facts) is
    unsupported; the best single passage, not their union, so that facts mixed across papers do not pass.
    Blind to negation and swapped roles: those need the judge.
    """

    def __call__(self, claims: Sequence[str], passages: Sequence[str]) -> list[float]:
        evidence = [content_stems(passage) for passage in passages]
        return [best_coverage(content_stems(claim), evidence) for claim in claims]


class EmbeddingSupport:
    """Support of a claim = its best cosine to any sentence of the passages."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def __call__(self, claims: Sequence[str], passages: Sequence[str]) -> list[float]:
        evidence = [s for passage in passages for s in split_sentences(passage)]
        if not evidence:
            return [0.0] * len(claims)
        vectors = self.embedder.embed_documents([*claims, *evidence])  # one batch: one model call
        similarities = vectors[: len(claims)] @ vectors[len(claims) :].T
        return [float(v) for v in np.max(similarities, axis=1)]


class JudgeSupport:
    """Support of a claim = 1 when the chat model answers SUPPORTED for it, else 0 (one call per claim)."""

    def __init__(self, llm: ChatModel) -> None:
        self.llm = llm

    def __call__(self, claims: Sequence[str], passages: Sequence[str]) -> list[float]:
        context = numbered_passages(passages)
        return [1.0 if supports_claim(self.llm, passages=context, claim=claim) else 0.0 for claim in claims]


class GroundingGuard:
    """Triggers when the share of unsupported claims exceeds `max_unsupported_ratio`; score = that share."""

    def __init__(self, support: SupportScorer, min_support: float, max_unsupported_ratio: float) -> None:
        self.support = support
        self.min_support = min_support
        self.max_unsupported_ratio = max_unsupported_ratio

    def inspect(self, text: str, *, sources: Sequence[str] = ()) -> Detection:
        claims = claims_of(text)
        if not claims:
            return Detection.clean()
        scores = self.support(claims, sources)
        unsupported = [(c, s) for c, s in zip(claims, scores, strict=True) if s < self.min_support]
        ratio = len(unsupported) / len(claims)
        reasons = tuple(f"unsupported (support {s:.2f}): {_short(c)}" for c, s in unsupported[:MAX_REASONS])
        if len(unsupported) > MAX_REASONS:
            reasons += (f"... and {len(unsupported) - MAX_REASONS} more",)
        summary = f"{len(claims) - len(unsupported)} of {len(claims)} sentences supported by the passages"
        return Detection(triggered=ratio > self.max_unsupported_ratio, score=ratio, reasons=(summary, *reasons))


def _short(sentence: str, limit: int = 120) -> str:
    return sentence if len(sentence) <= limit else sentence[:limit] + "…"
