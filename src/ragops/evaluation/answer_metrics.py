"""Per-answer checks for a benchmark: a valid citation, claims supported by the passages they cite, loops, leakage.

Pure functions over the answer text; average them over a test set yourself. Support is the grounding guard's
lexical measure and threshold, so a benchmark and the guard count the same sentences as supported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ragops.evaluation.metrics import token_f1, words
from ragops.lexical import STOPWORDS, cited_sentences, content_stems, coverage, is_claim, repeated_ngrams, strip_markers
from ragops.rag.attribution import LEXICAL_MIN_SUPPORT
from ragops.rag.citations import check_citations
from ragops.rag.degeneration import NGRAM, strip_leakage

MIN_RESTATED_WORDS = 4  # a shorter question ("What is RAG?") recurs in answers by chance
_FRAMING = re.compile(r"\bthe answer to (?:this|the|your) question\b", re.IGNORECASE)  # "... is", "... lies in"


@dataclass(frozen=True)
class AnswerScores:
    valid_citation: bool
    supported_share: float  # of `claims` sentences; 1.0 when there is none
    claims: int
    repeated_ngram_rate: float
    has_repeated_ngrams: bool
    leakage: bool
    token_f1: float | None  # None without a reference answer


def score_answer(
    text: str,
    passages: Sequence[str],
    question: str,
    reference: str | None = None,
    *,
    min_support: float = LEXICAL_MIN_SUPPORT,
) -> AnswerScores:
    """Every check of this module on one answer to `question` given numbered `passages`."""
    verdicts = _claim_verdicts(text, passages, min_support)
    return AnswerScores(
        valid_citation=valid_citation(text, len(passages)),
        supported_share=_share(verdicts, empty=1.0),
        claims=len(verdicts),
        repeated_ngram_rate=repeated_ngram_rate(text),
        has_repeated_ngrams=has_repeated_ngrams(text),
        leakage=leakage(text, question),
        token_f1=None if reference is None else token_f1(strip_markers(text), reference),
    )


def valid_citation(text: str, passages: int) -> bool:
    """Whether at least one [n] in the answer names one of passages 1..passages."""
    return bool(check_citations(text, passages).cited)


def supported_share(text: str, passages: Sequence[str], min_support: float = LEXICAL_MIN_SUPPORT) -> float:
    """Share of the answer's claim sentences supported by a passage they cite themselves; 1.0 with no claim.

    The cited passage, not the best one: a claim true of passage 2 but cited to passage 1 (or citing nothing)
    counts as unsupported, since a reader following the marker would not find it. Claims as the grounding guard
    has them (4 words or more, not "the passages do not cover it"), and with a content word.
    """
    return _share(_claim_verdicts(text, passages, min_support), empty=1.0)


def _claim_verdicts(text: str, passages: Sequence[str], min_support: float) -> list[bool]:
    evidence = [content_stems(passage) for passage in passages]
    verdicts = []
    for sentence in cited_sentences(text):
        stems = content_stems(sentence.text)
        if is_claim(sentence.text) and stems:
            cited = [evidence[n - 1] for n in sentence.cited if 1 <= n <= len(passages)]
            verdicts.append(any(coverage(stems, passage) >= min_support for passage in cited))
    return verdicts


def repeated_ngram_rate(text: str, n: int = NGRAM) -> float:
    """Share of the answer's word n-grams that repeat an earlier one of it; 0.0 with none.

    Markers are left out, and so are n-grams of stopwords only ("it is one of"): their repeats are no loop.
    """
    return _share(_content_ngram_repeats(text, n), empty=0.0)


def has_repeated_ngrams(text: str, n: int = NGRAM, min_repeats: int = 1) -> bool:
    """Whether at least `min_repeats` n-grams of the answer repeat earlier ones (counted as `repeated_ngram_rate`)."""
    return sum(_content_ngram_repeats(text, n)) >= min_repeats


def _content_ngram_repeats(text: str, n: int) -> list[bool]:
    tokens = words(strip_markers(text))
    repeats = repeated_ngrams(tokens, n)
    return [repeat for i, repeat in enumerate(repeats) if not STOPWORDS.issuperset(tokens[i : i + n])]


def _share(flags: Sequence[bool], *, empty: float) -> float:
    return sum(flags) / len(flags) if flags else empty


def leakage(text: str, question: str) -> bool:
    """Whether prompt format leaked in: what `strip_leakage` removes, the question verbatim, or `_FRAMING`."""
    asked = " ".join(words(question))
    restated = len(asked.split()) >= MIN_RESTATED_WORDS and f" {asked} " in f" {' '.join(words(text))} "
    return restated or bool(_FRAMING.search(text)) or strip_leakage(text, question) != text.strip()
