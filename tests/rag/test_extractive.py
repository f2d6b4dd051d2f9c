from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest

from ragops.lexical import split_sentences
from ragops.rag.attribution import AttributedAnswer
from ragops.rag.extractive import EmbeddingSentenceScorer, extractive_answer, lexical_relevance

DENSE = (
    "Dense retrieval encodes questions and passages into vectors with a dual encoder. "
    "Passages are ranked by the cosine similarity of their vectors to the question vector. "
    "Training needs pairs."
)
LEXICAL = (
    "BM25 scores passages by term frequency and inverse document frequency. "
    "Reciprocal rank fusion sums the inverse ranks of a passage in several rankings."
)
TWIN = (
    "Code is available at https://github.com/example/dense. "
    "Dense retrieval encodes the questions and the passages into vectors with a dual encoder model. "
    "Dense retrieval: 0.41 / 0.52 / 0.63 / 0.71 / 0.80."  # a table row: 14 letters of 40 visible characters
)
QUESTION = "How does dense retrieval rank passages with vectors?"


def assert_spans_exact(answer: AttributedAnswer, passages: Sequence[str]) -> None:
    for a in answer.attributions:
        assert answer.text[a.start : a.end] == a.sentence
        assert answer.text[a.end :].startswith(f" [{a.citation}]")
        assert a.citation is not None
        passage = passages[a.citation - 1]
        assert passage[a.passage_start : a.passage_end] == a.sentence
        assert (a.support, a.supported, a.corrected) == (1.0, True, "added")


def test_lexical_relevance_weighs_question_stems_by_idf_over_the_sentences() -> None:
    # stems asked: dens, retrieval, rank, vector; "retrieval" in 2 of 3 sentences, the rest in 1
    sentences = ["Dense retrieval is fast.", "Retrieval ranks documents.", "Vectors are unit length."]
    rare, common = math.log(1 + 3 / 1), math.log(1 + 3 / 2)
    total = 3 * rare + common
    assert lexical_relevance("How does dense retrieval rank vectors?", sentences) == pytest.approx(
        [(rare + common) / total, (rare + common) / total, rare / total]
    )
    assert lexical_relevance("Who?", sentences) == [0.0, 0.0, 0.0]


def test_picks_the_relevant_sentences_cites_them_and_spans_are_exact() -> None:
    passages = [LEXICAL, DENSE]
    answer = extractive_answer(QUESTION, passages, max_sentences=2)
    assert answer.text == (
        "Dense retrieval encodes questions and passages into vectors with a dual encoder. [2] "
        "Passages are ranked by the cosine similarity of their vectors to the question vector. [2]"
    )
    assert answer.cited == frozenset({2})
    assert_spans_exact(answer, passages)


def test_a_near_identical_sentence_is_picked_once_and_boilerplate_never() -> None:
    passages = [DENSE, TWIN]
    answer = extractive_answer(QUESTION, passages, max_sentences=3)
    assert answer.text.count("dual encoder") == 1  # TWIN says it again: 6 of 7 stems shared, Jaccard 0.86
    assert "github" not in answer.text
    assert "0.41" not in answer.text
    assert [a.citation for a in answer.attributions] == [1, 1]  # "Training needs pairs." is a fragment
    assert_spans_exact(answer, passages)


def test_diversity_prefers_a_second_passage_over_more_of_the_first() -> None:
    # given: three sentences with all 5 stems asked (relevance 1.0); the first two share 5 of 9 stems (Jaccard
    # 0.56, under NEAR_DUPLICATE), the first and the third 5 of 11 (0.45)
    first = "Rank fusion merges the rankings of several retrievers into one list."
    passages = [
        f"{first} Rank fusion merges rankings by summing reciprocal ranks of several retrievers.",
        "When several retrievers disagree, rank fusion merges their rankings per query by vote.",
    ]
    question = "How does rank fusion merge rankings from several retrievers?"
    # when / then: by relevance alone the tie goes to passage order; with diversity the less similar one wins
    by_relevance = extractive_answer(question, passages, max_sentences=2, diversity=0.0)
    assert [a.citation for a in by_relevance.attributions] == [1, 1]
    answer = extractive_answer(question, passages, max_sentences=2)
    assert answer.text == f"{first} [1] {passages[1]} [2]"
    assert_spans_exact(answer, passages)


def test_the_budget_is_respected_and_a_shorter_sentence_takes_the_place_of_a_long_one() -> None:
    # given: by relevance, DENSE's first sentence (84 characters with " [1]"), its second (85 + 1 + " [1]" = 90 more),
    # then LEXICAL's fusion sentence (79 + 1 + " [2]" = 84 more); 171 characters leave room for the first and third
    passages = [DENSE, LEXICAL]
    answer = extractive_answer(QUESTION, passages, max_chars=171)
    assert answer.text == (
        "Dense retrieval encodes questions and passages into vectors with a dual encoder. [1] "
        "Reciprocal rank fusion sums the inverse ranks of a passage in several rankings. [2]"
    )
    assert len(answer.text) == 168
    assert_spans_exact(answer, passages)
    assert len(extractive_answer(QUESTION, passages, max_chars=167).attributions) == 1
    assert extractive_answer(QUESTION, passages, max_chars=10).text == ""


def test_nothing_to_extract_gives_an_empty_answer() -> None:
    empty = AttributedAnswer("", (), frozenset())
    assert extractive_answer(QUESTION, []) == empty
    assert extractive_answer(QUESTION, ["", "Too short here."]) == empty
    assert extractive_answer("Who won the 1998 World Cup?", [DENSE, LEXICAL]) == empty
    assert extractive_answer(QUESTION, [DENSE], max_sentences=0) == empty


def test_a_passage_sentence_s_own_reference_numbers_are_left_out() -> None:
    passages = ["Dense retrieval [12] ranks passages by vectors of a dual encoder."]
    answer = extractive_answer(QUESTION, passages)
    assert answer.text == "Dense retrieval ranks passages by vectors of a dual encoder. [1]"
    a = answer.attributions[0]
    assert passages[0][a.passage_start : a.passage_end] == passages[0]


class KeywordEmbedder:
    """Unit vectors over three axes (dense, lexical, fusion), by keyword: enough to rank sentences by cosine."""

    AXES = ("dense", "bm25", "fusion")

    def _vector(self, text: str) -> np.ndarray:
        v = np.array([float(axis in text.lower()) for axis in self.AXES]) + 1e-3
        return (v / np.linalg.norm(v)).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])


def test_an_embedding_scorer_plugs_in() -> None:
    scorer = EmbeddingSentenceScorer(KeywordEmbedder())  # type: ignore[arg-type]
    sentences = split_sentences(LEXICAL)
    assert scorer("What does BM25 do?", sentences) == pytest.approx([1.0, 0.0], abs=0.01)
    assert scorer("What does BM25 do?", []) == []
    answer = extractive_answer("fusion", [DENSE, LEXICAL], max_sentences=1, scorer=scorer)
    assert answer.text == "Reciprocal rank fusion sums the inverse ranks of a passage in several rankings. [2]"
