"""Output grounding: every sentence of an answer should rest on a sentence of the passages it cites."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from ragops.guardrails.base import Detection
from ragops.providers.base import ChatModel, Embedder
from ragops.providers.judge import numbered_passages, supports_claim

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n+")
_MARKERS = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
# Saying the sources do not answer is the honest outcome, not a claim that needs support.
_NO_CLAIM = re.compile(
    r"\b(?:does not|doesn't|do not|don't)\s+(?:cover|contain|mention|say|address)|\bnot\s+(?:in|covered\s+by)\s+the\s+"
    r"(?:passages|context|sources|knowledge\s+base)|\bcannot\s+answer|\bno\s+information\b",
    re.IGNORECASE,
)
MIN_CLAIM_WORDS = 4  # shorter fragments ("In short:") carry no checkable claim
MAX_REASONS = 3
# Digits split at "." and ",": "80,000" and "80.000", "0.94" and "0,94" give the same tokens.
_TOKEN = re.compile(r"[a-z0-9]+")
# Function words and the answer's own framing words carry no claim of their own.
_STOPWORD_TEXT = """
    a about above after again all also an and any are as at be because been before being between both but by
    can could did do does doing during each few for from further had has have having he her here hers him his how
    i if in into is it its itself just may me might more most much must my no nor not of off on once only or other
    our out over own same she should so some such than that the their them then there these they this those
    through to too under until up very was we were what when where which while who whom why will with would you
    your according authors author paper papers passage passages study work propose proposed show shows shown
    approach method methods use uses used using"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# One suffix stripped, longest first: enough for plurals, -ing/-ed forms and -ation nouns.
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "ly", "s")

SupportScorer = Callable[[Sequence[str], Sequence[str]], list[float]]  # (claims, passages) -> support in [0, 1]


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def claims_of(answer: str) -> list[str]:
    """Answer sentences that make a checkable claim, citation markers removed."""
    sentences = (_MARKERS.sub("", s).strip() for s in split_sentences(answer))
    return [s for s in sentences if len(s.split()) >= MIN_CLAIM_WORDS and not _NO_CLAIM.search(s)]


def content_stems(text: str) -> set[str]:
    """Lower-cased, lightly stemmed content words and numbers of a text."""
    return {_stem(token) for token in _TOKEN.findall(text.lower()) if token not in STOPWORDS}


def _stem(token: str) -> str:
    if token.isdigit() or len(token) <= 4:
        return token
    token = re.sub(r"is(e|ed|es|ing|ations?)$", r"iz\1", token)  # British -ise spelling as -ize
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            token = token[: -len(suffix)]
            break
    return token.rstrip("e")  # "optimize" and "optimiz(ing)" meet at "optimiz"


class LexicalSupport:
    """Support of a claim = the share of its content words found in one passage (the best one).

    A claim whose words are mostly absent from every passage (new entities, numbers, facts) is
    unsupported; the best single passage, not their union, so that facts mixed across papers do not pass.
    Blind to negation and swapped roles: those need the judge.
    """

    def __call__(self, claims: Sequence[str], passages: Sequence[str]) -> list[float]:
        evidence = [content_stems(passage) for passage in passages]
        return [_coverage(content_stems(claim), evidence) for claim in claims]


def _coverage(claim: set[str], evidence: Sequence[set[str]]) -> float:
    if not claim:
        return 1.0  # nothing to check
    return max((len(claim & passage) / len(claim) for passage in evidence), default=0.0)


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
