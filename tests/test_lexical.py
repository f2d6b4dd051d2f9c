from __future__ import annotations

import pytest

from ragops.lexical import (
    CitedSentence,
    best_coverage,
    cited_sentences,
    coverage,
    is_claim,
    repeated_ngrams,
    sentence_spans,
    split_sentences,
    strip_markers,
)


def test_sentence_spans_index_the_text_without_surrounding_whitespace() -> None:
    text = "  BM25 ranks terms. Dense retrieval uses vectors!\n\nFusion sums ranks.  "
    spans = sentence_spans(text)
    assert spans == [(2, 19), (20, 49), (51, 69)]
    assert [text[s:e] for s, e in spans] == split_sentences(text)
    assert split_sentences(text) == ["BM25 ranks terms.", "Dense retrieval uses vectors!", "Fusion sums ranks."]


def test_a_lower_case_word_after_a_period_does_not_start_a_sentence() -> None:
    assert split_sentences("It scores e.g. terms. Then it ranks.") == ["It scores e.g. terms.", "Then it ranks."]


def test_strip_markers_keeps_line_breaks() -> None:
    stripped = strip_markers("BM25 ranks terms [1].\n[2] Fusion sums ranks [1, 3].")
    assert stripped == "BM25 ranks terms.\n Fusion sums ranks."


@pytest.mark.parametrize(
    "answer",
    [
        "BM25 ranks terms [2]. Fusion sums ranks [1, 3].",  # before the period
        "BM25 ranks terms. [2] Fusion sums ranks. [1, 3]",  # after the period, spaced
        "BM25 ranks terms.[2] Fusion sums ranks.[1,3]",  # after the period, glued
    ],
)
def test_a_marker_belongs_to_the_sentence_it_follows(answer: str) -> None:
    assert cited_sentences(answer) == [
        CitedSentence("BM25 ranks terms.", 0, 17, (2,)),
        CitedSentence("Fusion sums ranks.", 18, 36, (1, 3)),
    ]


def test_markers_before_the_first_sentence_go_to_it_and_offsets_index_the_clean_text() -> None:
    answer = "[4] BM25 ranks [1] terms. Fusion sums ranks."
    sentences = cited_sentences(answer)
    assert [(s.text, s.cited) for s in sentences] == [("BM25 ranks terms.", (4, 1)), ("Fusion sums ranks.", ())]
    clean = strip_markers(answer)
    assert [clean[s.start : s.end] for s in sentences] == ["BM25 ranks terms.", "Fusion sums ranks."]


def test_cited_sentences_of_nothing() -> None:
    assert cited_sentences("") == []
    assert cited_sentences(" [1] ") == []


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        ("Dense retrieval uses vectors.", True),
        ("In short: yes.", False),
        ("The passages do not cover training costs at all.", False),
    ],
)
def test_is_claim(sentence: str, claim: bool) -> None:
    assert is_claim(sentence) is claim


def test_coverage_is_the_share_of_claim_stems_in_the_evidence() -> None:
    assert coverage({"a", "b", "c", "d"}, {"a", "c", "x"}) == 0.5
    assert coverage(set(), {"a"}) == 1.0
    assert best_coverage({"a", "b"}, [{"a"}, {"a", "b"}]) == 1.0
    assert best_coverage({"a"}, []) == 0.0
    assert best_coverage(set(), []) == 1.0


def test_repeated_ngrams_flags_each_later_occurrence() -> None:
    tokens = ["a", "b", "c", "a", "b", "c", "a", "b"]
    # bigrams: ab bc ca ab bc ca ab
    assert repeated_ngrams(tokens, 2) == [False, False, False, True, True, True, True]
    assert repeated_ngrams(["a"], 2) == []
