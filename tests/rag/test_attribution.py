from __future__ import annotations

import pytest

from ragops.lexical import split_sentences
from ragops.rag.attribution import AttributedAnswer, UnsupportedPolicy, attribute_answer
from ragops.types import Attribution

DENSE = (
    "Dense retrieval encodes questions and passages into vectors with a dual encoder. "
    "Passages are ranked by the cosine similarity of their vectors to the question vector."
)
LEXICAL = (
    "BM25 scores passages by term frequency and inverse document frequency. "
    "Reciprocal rank fusion sums the inverse ranks of a passage in several rankings."
)
PASSAGES = [DENSE, LEXICAL]
DENSE_FIRST = "Dense retrieval encodes questions and passages into vectors with a dual encoder."
ENCODES = "Dense retrieval encodes questions into vectors with a dual encoder."  # all 6 stems in DENSE's first sentence
BM25 = "BM25 scores passages by term frequency."  # bm25, scor, term, frequency: all in LEXICAL's first, none in DENSE
INVENTED = "Dense retrieval was introduced by Google in 2019 for web search."  # 2 of 7 stems in DENSE (dens, retrieval)


def only(answer: AttributedAnswer) -> Attribution:
    assert len(answer.attributions) == 1
    return answer.attributions[0]


def assert_offsets_exact(answer: AttributedAnswer, passages: list[str]) -> None:
    for a in answer.attributions:
        assert answer.text[a.start : a.end] == a.sentence
        if a.citation is not None:
            passage = passages[a.citation - 1]
            assert passage[a.passage_start : a.passage_end] in split_sentences(passage)
            assert answer.text[a.end :].startswith(f" [{a.citation}]")
        else:
            assert (a.passage_start, a.passage_end) == (0, 0)


def test_a_supported_sentence_without_a_marker_gets_one_and_its_passage_sentence() -> None:
    answer = attribute_answer(ENCODES, PASSAGES)
    assert answer.text == ENCODES + " [1]"
    assert answer.cited == frozenset({1})
    a = only(answer)
    assert (a.citation, a.support, a.supported, a.corrected) == (1, 1.0, True, "added")
    assert DENSE[a.passage_start : a.passage_end] == DENSE_FIRST
    assert (a.start, a.end) == (0, len(ENCODES))


def test_the_span_is_the_passage_sentence_sharing_most_stems_in_the_second_sentence_too() -> None:
    a = only(attribute_answer("Reciprocal rank fusion sums inverse ranks of several rankings.", PASSAGES))
    assert a.citation == 2
    assert LEXICAL[a.passage_start : a.passage_end] == (
        "Reciprocal rank fusion sums the inverse ranks of a passage in several rankings."
    )


def test_a_citation_of_a_passage_that_does_not_support_the_sentence_is_changed() -> None:
    answer = attribute_answer(BM25.removesuffix(".") + " [1].", PASSAGES)
    assert answer.text == BM25 + " [2]"
    a = only(answer)
    assert (a.citation, a.support, a.corrected) == (2, 1.0, "changed")
    assert LEXICAL[a.passage_start : a.passage_end] == (
        "BM25 scores passages by term frequency and inverse document frequency."
    )


def test_a_marker_naming_no_passage_is_changed_too() -> None:
    answer = attribute_answer(BM25 + " [7]", PASSAGES)
    assert answer.text == BM25 + " [2]"
    assert only(answer).corrected == "changed"


def test_a_right_citation_is_kept_even_when_another_passage_supports_the_sentence_as_well() -> None:
    # given: passage 3 repeats passage 1, so both support the sentence fully; the model chose 3
    passages = [DENSE, LEXICAL, "BM25 is older. " + DENSE]
    # when
    answer = attribute_answer(ENCODES + " [3]", passages)
    # then
    assert answer.text == ENCODES + " [3]"
    a = only(answer)
    assert (a.citation, a.corrected) == (3, "kept")
    assert (a.passage_start, a.passage_end) == (15, 15 + len(DENSE_FIRST))


def test_of_two_markers_the_better_supporting_one_is_kept() -> None:
    # "Dense retrieval scores passages by term frequency": dens, retrieval, scor, term, frequency;
    # passage 1 has 2 of 5, passage 2 has 3 of 5 (0.6, under 0.65): only a lower threshold lets both count
    answer = attribute_answer("Dense retrieval scores passages by term frequency [1, 2].", PASSAGES, min_support=0.3)
    a = only(answer)
    assert (a.citation, a.support, a.corrected) == (2, 0.6, "kept")
    assert answer.text == "Dense retrieval scores passages by term frequency. [2]"


def test_an_unsupported_sentence_is_flagged_and_loses_its_marker() -> None:
    answer = attribute_answer(f"{ENCODES} [1] {INVENTED} [1]", PASSAGES)
    assert answer.text == f"{ENCODES} [1] {INVENTED}"
    first, invented = answer.attributions
    assert first.supported
    assert (invented.citation, invented.supported, invented.corrected) == (None, False, "removed")
    assert invented.support == pytest.approx(2 / 7)
    assert answer.cited == frozenset({1})
    assert_offsets_exact(answer, PASSAGES)


def test_an_unsupported_sentence_without_a_marker_is_flagged_as_unchanged() -> None:
    assert only(attribute_answer(INVENTED, PASSAGES)).corrected == "none"


def test_drop_removes_unsupported_sentences_and_lists_them() -> None:
    answer = attribute_answer(f"{INVENTED} [2] {ENCODES}\n\n{BM25}", PASSAGES, unsupported="drop")
    assert answer.text == f"{ENCODES} [1]\n\n{BM25} [2]"
    assert answer.dropped == (INVENTED,)
    assert [a.citation for a in answer.attributions] == [1, 2]
    assert_offsets_exact(answer, PASSAGES)


def test_a_dropped_sentence_takes_its_own_layout_with_it() -> None:
    answer = attribute_answer(f"{ENCODES}\n\n{INVENTED} {BM25}", PASSAGES, unsupported="drop")
    assert answer.text == f"{ENCODES} [1]\n\n{BM25} [2]"


def test_replace_puts_the_best_passage_sentence_verbatim_in_place_of_an_unsupported_one() -> None:
    answer = attribute_answer(f"{INVENTED} [2] {BM25}", PASSAGES, unsupported="replace")
    assert answer.text == f"{DENSE_FIRST} [1] {BM25} [2]"
    replaced = answer.attributions[0]
    assert (replaced.sentence, replaced.citation, replaced.corrected) == (DENSE_FIRST, 1, "replaced")
    assert (replaced.support, replaced.supported) == (1.0, True)
    assert DENSE[replaced.passage_start : replaced.passage_end] == DENSE_FIRST
    assert_offsets_exact(answer, PASSAGES)


def test_replace_drops_when_the_replacement_is_in_the_answer_already_or_shares_nothing() -> None:
    off_topic = "The Eiffel Tower was completed in 1889."
    answer = attribute_answer(f"{ENCODES} {INVENTED} {off_topic}", PASSAGES, unsupported="replace")
    assert answer.text == f"{ENCODES} [1]"
    assert answer.dropped == (INVENTED, off_topic)


def test_replace_strips_the_passage_sentences_own_reference_numbers() -> None:
    passages = ["Dense retrieval [12] was proposed for open-domain question answering."]
    answer = attribute_answer(INVENTED, passages, unsupported="replace")
    assert answer.text == "Dense retrieval was proposed for open-domain question answering. [1]"
    a = only(answer)
    assert passages[0][a.passage_start : a.passage_end] == passages[0]


def test_sentences_without_a_claim_stay_uncited_and_count_as_supported() -> None:
    answer = attribute_answer(f"In short: yes [1]. {ENCODES} The passages do not cover training costs [2].", PASSAGES)
    assert answer.text == f"In short: yes. {ENCODES} [1] The passages do not cover training costs."
    short, _, honest = answer.attributions
    assert (short.citation, short.supported, short.support, short.corrected) == (None, True, 1.0, "removed")
    assert (honest.citation, honest.supported) == (None, True)
    assert_offsets_exact(answer, PASSAGES)


def test_the_question_s_words_do_not_count_as_support_for_a_new_fact() -> None:
    # given: the passage has "dense", "retrieval", "introduced" (all in the question) but another year
    passages = ["Dense retrieval was introduced in 2020 for open-domain question answering."]
    answer = "Dense retrieval was introduced in 2019."
    # when / then: 3 of 4 stems (0.75) are in the passage, but the only word beyond the question is not
    assert only(attribute_answer(answer, passages)).supported
    a = only(attribute_answer(answer, passages, question="When was dense retrieval introduced?"))
    assert (a.supported, a.support) == (False, 0.0)


def test_the_question_only_makes_the_check_stricter() -> None:
    # siames, twin, network are in the question, not the passage: 3 of 6 stems (0.5) with them, 3 of 3 without
    answer = "Siamese twin networks encode vectors with a dual encoder."
    a = only(attribute_answer(answer, PASSAGES, question="How do Siamese twin networks work?"))
    assert (a.support, a.supported) == (0.5, False)


def test_a_sentence_restating_the_question_is_checked_on_its_own_words() -> None:
    a = only(
        attribute_answer(
            "Dense retrieval encodes questions.", PASSAGES, question="How does dense retrieval encode questions?"
        )
    )
    assert (a.citation, a.support) == (1, 1.0)


def test_offsets_are_exact_in_a_mixed_multi_paragraph_answer() -> None:
    text = (
        f"In short: yes.\n{ENCODES}[2] {INVENTED} [1]\n\n- {BM25} [1, 2]\nReciprocal rank fusion sums several rankings."
    )
    answer = attribute_answer(text, PASSAGES)
    assert answer.text == (
        f"In short: yes.\n{ENCODES} [1] {INVENTED}\n\n- {BM25} [2]\nReciprocal rank fusion sums several rankings. [2]"
    )
    assert [a.citation for a in answer.attributions] == [None, 1, None, 2, 2]
    assert [a.corrected for a in answer.attributions] == ["none", "changed", "removed", "kept", "added"]
    assert_offsets_exact(answer, PASSAGES)


def test_an_empty_answer_attributes_nothing() -> None:
    assert attribute_answer("", PASSAGES) == AttributedAnswer("", (), frozenset())
    assert attribute_answer("  [1] ", PASSAGES) == AttributedAnswer("", (), frozenset())


@pytest.mark.parametrize("policy", ["flag", "drop", "replace"])
def test_without_passages_no_claim_is_supported(policy: UnsupportedPolicy) -> None:
    answer = attribute_answer(f"{ENCODES} [1] In short: yes.", [], unsupported=policy)
    assert answer.cited == frozenset()
    if policy == "flag":
        assert answer.text == f"{ENCODES} In short: yes."
        assert [(a.supported, a.support) for a in answer.attributions] == [(False, 0.0), (True, 1.0)]
    else:
        assert answer.text == "In short: yes."
        assert answer.dropped == (ENCODES,)
