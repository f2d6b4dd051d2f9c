"""Which generated questions to drop: trivial ones, unanswerable ones, duplicates. Pure functions, cheap first."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ragops.config import QuestionGenerationSettings
from ragops.evaluation.metrics import words

# Without the passage these name nothing: a retriever cannot know which paper "this paper" is.
_CONTEXT_DEPENDENT = re.compile(
    r"\b(this|the) (paper|passage|text|study|article|work|abstract|excerpt)\b|\bthe authors?\b", re.IGNORECASE
)
_NGRAM = 3
_MIN_CONTENT_WORD_CHARS = 4  # "of", "the", "and" would pad the support of any answer


def normalised(text: str) -> str:
    """Lower-cased words joined by single spaces: punctuation and spacing do not make a question new."""
    return " ".join(words(text))


def drop_reason(question: str, answer: str, passage: str, settings: QuestionGenerationSettings) -> str | None:
    """Why a (question, reference answer) written from `passage` is not a test item, or None to keep it."""
    question_words = words(question)
    if len(question_words) < settings.min_question_words:
        return "too_short"
    if normalised(answer) and normalised(answer) in normalised(question):
        return "answer_in_question"
    if copied_share(question, passage) >= settings.max_question_overlap:
        return "copied_from_passage"
    if _CONTEXT_DEPENDENT.search(question):
        return "needs_the_passage"
    if answer_support(answer, passage) < settings.min_answer_support:
        return "unsupported_answer"
    return None


def copied_share(question: str, passage: str) -> float:
    """Share of the question's word trigrams found verbatim in the passage."""
    grams = _ngrams(words(question))
    if not grams:
        return 0.0
    return len(grams & _ngrams(words(passage))) / len(grams)


def answer_support(answer: str, passage: str) -> float:
    """Share of the answer's content words (4+ characters, or numbers) found in the passage; 0 with none."""
    content = {w for w in words(answer) if len(w) >= _MIN_CONTENT_WORD_CHARS or w.isdigit()}
    if not content:
        return 0.0
    return len(content & set(words(passage))) / len(content)


def is_near_duplicate(embedding: np.ndarray, kept: Sequence[np.ndarray], threshold: float) -> bool:
    """Whether a unit-length question embedding is within `threshold` cosine of one already kept."""
    return bool(kept) and float(np.max(np.stack(kept) @ embedding)) >= threshold


def _ngrams(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + _NGRAM]) for i in range(len(tokens) - _NGRAM + 1)}
