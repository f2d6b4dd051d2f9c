"""The answer without an LLM: the passage sentences most relevant to the question, none repeating another, cited.

Sentences are picked by maximal marginal relevance (Carbonell and Goldstein, 1998): relevance to the question
against similarity to the sentences already picked, so that the answer draws on more than one passage. They are
given in the order picked, most relevant first, so that the first sentence answers the question. Every sentence is
a passage's own, so each is supported by construction.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass

from ragops.lexical import NEAR_DUPLICATE, content_stems, jaccard, sentence_spans, strip_markers
from ragops.providers.base import Embedder
from ragops.rag.attribution import AttributedAnswer
from ragops.types import Attribution

SentenceScorer = Callable[[str, Sequence[str]], list[float]]  # (question, sentences) -> relevance, higher is better
MIN_SENTENCE_WORDS = 5  # shorter pieces are headings and fragments ("Results.", "Table 2: BLEU.")
# Stem Jaccard at which two sentences say the same thing in other words; MMR's penalty alone lets such a twin
# through whenever it is much more relevant than anything else left.
MIN_LETTER_SHARE = 0.5  # under half letters: a table row, a formula, a list of numbers
_LETTER = re.compile(r"[^\W\d_]")
_VISIBLE = re.compile(r"\S")
_BOILERPLATE = re.compile(
    r"\b(?:copyright|all rights reserved|licen[cs]ed under|preprint|under review|accepted (?:at|to|for)|camera[- ]ready"
    r"|(?:code|data|models?)\b[\w\s,]{0,30}\b(?:is|are) (?:publicly |freely )?(?:available|released))\b"
    r"|https?://|www\.|\bdoi:",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Candidate:
    citation: int
    start: int
    end: int
    text: str  # the passage sentence without its own reference markers, which would read as our citations
    stems: frozenset[str]


def extractive_answer(
    question: str,
    passages: Sequence[str],
    *,
    max_sentences: int = 3,
    max_chars: int = 600,
    diversity: float = 0.3,
    scorer: SentenceScorer | None = None,
) -> AttributedAnswer:
    """Up to `max_sentences` passage sentences relevant to the question, each with its [n], in `max_chars` at most.

    Args:
        diversity: the weight of similarity to the sentences already picked against relevance (MMR's 1 - lambda):
            0 ranks by relevance alone, 1 by novelty alone.
        scorer: relevance of each sentence to the question; `lexical_relevance`'s when None. Only sentences with a
            relevance above 0 are picked; a sentence that would pass `max_chars` is passed over for a shorter one.
    """
    candidates = [c for number, passage in enumerate(passages, start=1) for c in _candidates(number, passage)]
    if not candidates or max_sentences <= 0:
        return AttributedAnswer("", (), frozenset())
    scores = (
        scorer(question, [c.text for c in candidates])
        if scorer
        else _idf_relevance(content_stems(question), [c.stems for c in candidates])  # the stems are at hand
    )
    relevance = dict(zip(candidates, scores, strict=True))
    remaining = [c for c in candidates if relevance[c] > 0]
    picked: list[_Candidate] = []
    length = 0
    while remaining and len(picked) < max_sentences:
        redundancy = {c: max((jaccard(c.stems, p.stems) for p in picked), default=0.0) for c in remaining}
        best = max(remaining, key=lambda c: (1 - diversity) * relevance[c] - diversity * redundancy[c])
        remaining.remove(best)
        added = len(best.text) + len(f" [{best.citation}]") + (1 if picked else 0)
        if redundancy[best] < NEAR_DUPLICATE and length + added <= max_chars:
            picked.append(best)
            length += added
    return _answer(picked)


def lexical_relevance(question: str, sentences: Sequence[str]) -> list[float]:
    """Share of the question's IDF weight (IDF over `sentences`) in each sentence's content stems, 0..1.

    IDF over the candidate sentences themselves: a question word in every sentence (the topic all passages were
    retrieved for) tells them apart least, a rare one most. Question words in no sentence weigh nothing.
    """
    return _idf_relevance(content_stems(question), [content_stems(s) for s in sentences])


def _idf_relevance(asked: set[str], sentences: Sequence[Set[str]]) -> list[float]:
    found = [asked.intersection(stems) for stems in sentences]
    frequency = Counter(stem for stems in found for stem in stems)
    idf = {stem: math.log(1 + len(sentences) / count) for stem, count in frequency.items()}
    total = sum(idf.values())
    return [sum(idf[stem] for stem in stems) / total if total else 0.0 for stems in found]


class EmbeddingSentenceScorer:
    """Relevance = cosine of each sentence's embedding to the question's (the embedder's vectors are unit-length)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def __call__(self, question: str, sentences: Sequence[str]) -> list[float]:
        if not sentences:
            return []
        vectors = self.embedder.embed_documents(sentences)  # one batch: one model call
        return [float(v) for v in vectors @ self.embedder.embed_query(question)]


def _candidates(number: int, passage: str) -> list[_Candidate]:
    found = []
    for start, end in sentence_spans(passage):
        text = strip_markers(passage[start:end])
        stems = frozenset(content_stems(text))
        if len(text.split()) >= MIN_SENTENCE_WORDS and stems and not _is_boilerplate(text):
            found.append(_Candidate(number, start, end, text, stems))
    return found


def _is_boilerplate(sentence: str) -> bool:
    letters, visible = len(_LETTER.findall(sentence)), len(_VISIBLE.findall(sentence))
    return letters < MIN_LETTER_SHARE * visible or bool(_BOILERPLATE.search(sentence))


def _answer(picked: Sequence[_Candidate]) -> AttributedAnswer:
    parts: list[str] = []
    attributions = []
    length = 0
    for candidate in picked:
        start = length + (1 if parts else 0)
        attributions.append(
            Attribution(
                candidate.text,
                start,
                start + len(candidate.text),
                candidate.citation,
                candidate.start,
                candidate.end,
                support=1.0,
                supported=True,
                corrected="added",
            )
        )
        parts.append(f"{candidate.text} [{candidate.citation}]")
        length = start + len(parts[-1])
    return AttributedAnswer(" ".join(parts), tuple(attributions), frozenset(c.citation for c in picked))
