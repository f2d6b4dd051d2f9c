"""Sentences, citation markers, content-word stems and n-gram repeats of answer and passage text.

Below `guardrails/`, `rag/` and `evaluation/`, so that the grounding guard, attribution and the answer metrics
judge a sentence the same way. Imports nothing from ragops.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence, Set
from dataclasses import dataclass
from functools import lru_cache

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n+")
CITATION_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# Spaces and tabs only: a marker opening a line must not take the line break with it.
_MARKER_WITH_SPACE = re.compile(r"[ \t]*" + CITATION_MARKER.pattern)
# Saying the sources do not answer is the honest outcome, not a claim that needs support.
_NO_CLAIM = re.compile(
    r"\b(?:does not|doesn't|do not|don't)\s+(?:cover|contain|mention|say|address)|\bnot\s+(?:in|covered\s+by)\s+the\s+"
    r"(?:passages|context|sources|knowledge\s+base)|\bcannot\s+answer|\bno\s+information\b",
    re.IGNORECASE,
)
MIN_CLAIM_WORDS = 4  # shorter fragments ("In short:") carry no checkable claim
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


@dataclass(frozen=True)
class CitedSentence:
    """A sentence of an answer without its markers, where it stands in `strip_markers(answer)`, and what it cites."""

    text: str
    start: int
    end: int
    cited: tuple[int, ...]  # numbers of its markers in order, unchecked against the passages


def split_sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character (start, end) of each sentence of `text`, surrounding whitespace excluded."""
    spans = []
    start = 0
    for boundary in (*(m.span() for m in _SENTENCE_END.finditer(text)), (len(text), len(text))):
        piece = text[start : boundary[0]]
        first, last = start + len(piece) - len(piece.lstrip()), start + len(piece.rstrip())
        if last > first:
            spans.append((first, last))
        start = boundary[1]
    return spans


def strip_markers(text: str) -> str:
    return _MARKER_WITH_SPACE.sub("", text)


def cited_sentences(answer: str) -> list[CitedSentence]:
    """The answer's sentences with the markers each carries; offsets index `strip_markers(answer)`.

    A marker belongs to the sentence it follows, wherever the model put it ("X [1].", "X. [1]", "X.[1] Y"), and
    markers before the first sentence to the first: the text without markers is split, so "X.[1] Y" splits too.
    """
    clean = strip_markers(answer)
    removed = 0
    marker_positions: list[tuple[int, tuple[int, ...]]] = []  # position in `clean` where each marker stood
    for match in _MARKER_WITH_SPACE.finditer(answer):
        marker_positions.append((match.start() - removed, tuple(int(n) for n in match[1].split(","))))
        removed += match.end() - match.start()
    spans = sentence_spans(clean)
    starts = [start for start, _ in spans]
    cited: list[list[int]] = [[] for _ in spans]
    for position, numbers in marker_positions if spans else ():
        cited[max(bisect_left(starts, position) - 1, 0)].extend(numbers)  # the last sentence starting before it
    return [CitedSentence(clean[s:e], s, e, tuple(c)) for (s, e), c in zip(spans, cited, strict=True)]


def is_claim(sentence: str) -> bool:
    """Whether a sentence (markers removed) makes a checkable claim: long enough, and no "not covered"."""
    return len(sentence.split()) >= MIN_CLAIM_WORDS and not _NO_CLAIM.search(sentence)


def content_stems(text: str) -> set[str]:
    """Lower-cased, lightly stemmed content words and numbers of a text."""
    return {_stem(token) for token in _TOKEN.findall(text.lower()) if token not in STOPWORDS}


def content_words(text: str) -> list[str]:
    """The content words and numbers of a text in order, lower-cased, the first word of each stem only."""
    first: dict[str, str] = {}
    for token in _TOKEN.findall(text.lower()):
        if token not in STOPWORDS:
            first.setdefault(_stem(token), token)
    return list(first.values())


@lru_cache(maxsize=65536)  # a corpus repeats its vocabulary; attribution stems every passage per answer
def _stem(token: str) -> str:
    if token.isdigit() or len(token) <= 4:
        return token
    token = re.sub(r"is(e|ed|es|ing|ations?)$", r"iz\1", token)  # British -ise spelling as -ize
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            token = token[: -len(suffix)]
            break
    return token.rstrip("e")  # "optimize" and "optimiz(ing)" meet at "optimiz"


def coverage(claim: set[str], evidence: set[str]) -> float:
    """Share of a claim's stems found in the evidence; 1.0 for a claim with none (nothing to check)."""
    if not claim:
        return 1.0
    return len(claim & evidence) / len(claim)


def best_coverage(claim: set[str], evidence: Sequence[set[str]]) -> float:
    """The claim's coverage by its best piece of evidence; 0.0 without evidence unless there is nothing to check."""
    if not claim:
        return 1.0
    return max((coverage(claim, piece) for piece in evidence), default=0.0)


def repeated_ngrams(tokens: Sequence[str], n: int) -> list[bool]:
    """For each n-gram of `tokens`, in order, whether the same n-gram occurred earlier."""
    seen: set[tuple[str, ...]] = set()
    repeats = []
    for i in range(len(tokens) - n + 1):
        gram = tuple(tokens[i : i + n])
        repeats.append(gram in seen)
        seen.add(gram)
    return repeats


NEAR_DUPLICATE = 0.6  # stem Jaccard at which a second sentence says what a first already said


def jaccard(a: Set[str], b: Set[str]) -> float:
    """|a & b| / |a | b|; 0 for two empty sets."""
    return len(a & b) / len(a | b) if a or b else 0.0
