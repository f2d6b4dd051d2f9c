from __future__ import annotations

import pytest

from ragops.evaluation.answer_metrics import (
    AnswerScores,
    has_repeated_ngrams,
    leakage,
    repeated_ngram_rate,
    score_answer,
    supported_share,
    valid_citation,
)

DENSE = (
    "Dense retrieval encodes questions and passages into vectors with a dual encoder. "
    "Passages are ranked by the cosine similarity of their vectors to the question vector."
)
LEXICAL = "BM25 scores passages by term frequency and inverse document frequency."
PASSAGES = [DENSE, LEXICAL]
ENCODES = "Dense retrieval encodes questions into vectors with a dual encoder."  # all 6 stems in DENSE
BM25 = "BM25 scores passages by term frequency."  # all 4 stems in LEXICAL, none in DENSE
INVENTED = "Dense retrieval was introduced by Google in 2019 for web search."  # 2 of 7 stems in DENSE
QUESTION = "How does dense retrieval rank passages?"


@pytest.mark.parametrize(
    ("text", "valid"),
    [("X is Y [1].", True), ("X is Y [0, 2].", True), ("X is Y [3].", False), ("X is Y.", False)],
)
def test_valid_citation_needs_a_marker_naming_a_passage(text: str, valid: bool) -> None:
    assert valid_citation(text, passages=2) is valid


def test_supported_share_counts_a_claim_supported_only_by_a_passage_it_cites() -> None:
    # ENCODES cites its passage; BM25 cites passage 1, which lacks it; INVENTED is in none; "In short" is no claim
    text = f"{ENCODES} [1] {BM25} [1] {INVENTED} [1] In short: yes."
    assert supported_share(text, PASSAGES) == pytest.approx(1 / 3)
    assert supported_share(f"{BM25} [1, 2]", PASSAGES) == 1.0  # one of its passages carries it
    assert supported_share(ENCODES, PASSAGES) == 0.0  # cites nothing
    assert supported_share(f"{ENCODES} [5]", PASSAGES) == 0.0  # cites no passage there is
    assert supported_share("The passages do not cover training costs.", PASSAGES) == 1.0  # no claim
    assert supported_share(f"{INVENTED} [1]", PASSAGES, min_support=0.25) == 1.0  # 2 of 7 = 0.29


def test_repeated_ngram_rate_is_the_share_of_4_grams_said_before() -> None:
    # 12 words, 9 4-grams; the last 3 ("the cat sat on", "cat sat on the", "sat on the mat") repeat the first 3
    text = "The cat sat on the mat. The cat sat on the mat [1]."
    assert repeated_ngram_rate(text) == pytest.approx(3 / 9)
    assert has_repeated_ngrams(text, min_repeats=3)
    assert not has_repeated_ngrams(text, min_repeats=4)
    assert repeated_ngram_rate(text, n=6) == pytest.approx(1 / 7)  # "the cat sat on the mat" once, of 7


def test_4_grams_of_stopwords_only_are_no_repetition() -> None:
    # "as it is in", "it is in the", "is in the paper" repeat, but "paper" is a framing stopword too
    text = "Dense retrieval, as it is in the paper, is fast; as it is in the paper, BM25 is slow."
    assert repeated_ngram_rate(text) == 0.0
    assert not has_repeated_ngrams(text)


def test_no_4_gram_gives_a_zero_rate() -> None:
    assert repeated_ngram_rate("Yes [1].") == 0.0
    assert repeated_ngram_rate("") == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "Answer: Dense retrieval ranks by cosine [1].",
        "Dense retrieval ranks by cosine [1].\nQuestion: What is BM25?",
        "Dense retrieval ranks by cosine [1].<|im_end|>",
        "You asked how dense retrieval ranks passages. It ranks by cosine [1].",
        "Dense retrieval ranks by cosine [1], which is how does dense retrieval rank passages.",  # verbatim
        "Dense retrieval ranks by cosine [1]. So the answer to this question is cosine.",
        "The answer to this question lies in the cosine of vectors [1].",
    ],
)
def test_leakage_is_found(text: str) -> None:
    assert leakage(text, QUESTION)


@pytest.mark.parametrize(
    "text",
    [
        "Dense retrieval ranks passages by cosine similarity [1].",
        "The question answering model ranks passages [1].",
        "RAG is what is asked about here [1].",
    ],
)
def test_a_clean_answer_does_not_leak(text: str) -> None:
    assert not leakage(text, QUESTION)
    assert not leakage(text, "What is RAG?")  # 3 words: too short to count as restated


def test_score_answer_combines_the_checks() -> None:
    text = f"{ENCODES} [1] {INVENTED}"
    scores = score_answer(text, PASSAGES, QUESTION, reference="Dense retrieval uses a dual encoder.")
    # token F1 (markers left out): 10 + 11 predicted words, 6 reference words, 5 shared (dense, retrieval, a, dual,
    # encoder): precision 5/21, recall 5/6, F1 = 2pr / (p + r) = 10/27
    assert scores == AnswerScores(
        valid_citation=True,
        supported_share=0.5,
        claims=2,
        repeated_ngram_rate=0.0,
        has_repeated_ngrams=False,
        leakage=False,
        token_f1=pytest.approx(10 / 27),  # type: ignore[arg-type]
    )
    assert score_answer(text, PASSAGES, QUESTION).token_f1 is None
