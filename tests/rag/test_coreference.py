"""The rules condenser on hand-built histories: references resolve to cited documents, topics carry over."""

from __future__ import annotations

import pytest

from ragops.rag.coreference import leans_on_history, resolve_follow_up
from ragops.types import CitedDocument, Turn

FAIR_RAG = CitedDocument(
    "FAIR-RAG: Faithful Adaptive Iterative Refinement for Retrieval-Augmented Generation", "2510.22344"
)
WINDSOCK = CitedDocument("Windsock is Dancing: Adaptive Multimodal Retrieval-Augmented Generation", "2510.22694")
QUCO = CitedDocument("QuCo-RAG: Quantifying Uncertainty from the Pre-training Corpus", "2512.19134")
FIRST_QUESTION = "What is FAIR-RAG and how does it handle complex multi-hop questions?"
ONE_PAPER = (Turn(FIRST_QUESTION, "It refines evidence iteratively [1].", (FAIR_RAG,)),)
THREE_PAPERS = (
    Turn(
        "Which papers let a RAG system decide whether it needs to retrieve at all?",
        "Windsock decides when to retrieve [1]. QuCo-RAG checks corpus statistics [2]. FAIR-RAG refines [3].",
        (WINDSOCK, QUCO, FAIR_RAG),
    ),
)


@pytest.mark.parametrize(
    "follow_up",
    [
        "How is the reward computed in that approach?",
        "Which models did it improve, and by how much?",
        "What dataset did they build to find them?",
        "Does the paper report its latency?",
        "What about evaluation - which benchmarks?",
        "And the benchmarks?",
        "Why?",
    ],
)
def test_a_follow_up_that_leans_on_the_previous_answer_gets_its_cited_title_and_topic(follow_up: str) -> None:
    resolved = resolve_follow_up(follow_up, ONE_PAPER)

    assert resolved.documents == (FAIR_RAG,)
    assert resolved.text.startswith(follow_up)
    assert FAIR_RAG.title in resolved.text
    assert "multi" in resolved.carried  # the previous question's content words


@pytest.mark.parametrize(
    "question",
    [
        "How does PLAID speed up the late interaction scoring of ColBERT indexes?",
        "How does BM25 weigh term frequency against document length in Lucene?",
    ],
)
def test_a_question_that_stands_alone_is_left_as_typed(question: str) -> None:
    resolved = resolve_follow_up(question, ONE_PAPER)

    assert not resolved.is_changed
    assert resolved.text == question


def test_without_history_nothing_changes() -> None:
    assert resolve_follow_up("What penalty term does it use?", ()).text == "What penalty term does it use?"


@pytest.mark.parametrize(
    ("follow_up", "expected"),
    [
        ("What does the second paper measure?", QUCO),
        ("And the first one?", WINDSOCK),
        ("How large is the last paper's benchmark?", FAIR_RAG),
    ],
)
def test_an_ordinal_picks_that_document_of_the_previous_answer(follow_up: str, expected: CitedDocument) -> None:
    resolved = resolve_follow_up(follow_up, THREE_PAPERS)

    assert resolved.documents == (expected,)
    assert expected.title in resolved.text


def test_the_other_one_is_the_earlier_document_not_just_discussed() -> None:
    history = (
        Turn("Which papers forecast air quality?", "Two do [1] [2].", (WINDSOCK, QUCO)),
        Turn("How much does the one using reinforcement learning cut false alarms?", "By half [1].", (QUCO,)),
    )

    resolved = resolve_follow_up("And the other one - which region's data was it evaluated on?", history)

    assert resolved.documents == (WINDSOCK,)


def test_picking_one_of_several_looks_back_to_the_answer_that_showed_several() -> None:
    history = (*THREE_PAPERS, Turn("How much does the multimodal one cut lookups?", "By 40% [1].", (WINDSOCK,)))

    resolved = resolve_follow_up("And the training-free drop-in one - what gains does it report?", history)

    assert resolved.documents == (WINDSOCK, QUCO, FAIR_RAG)


def test_asking_for_other_work_keeps_the_topic_but_not_the_documents_shown() -> None:
    resolved = resolve_follow_up("Is there something similar for satellite imagery?", ONE_PAPER)

    assert resolved.documents == ()
    assert FAIR_RAG.title not in resolved.text
    assert {"fair", "rag", "multi"} <= set(resolved.carried)


def test_the_topic_comes_from_questions_back_to_the_last_that_stood_alone() -> None:
    history = (
        Turn("How can decision-pretrained transformers generalize beyond bandit pretraining data?", "", ()),
        Turn("Where does its intrinsic signal come from?", "", ()),
    )

    resolved = resolve_follow_up("And how well does it do?", history)

    assert "intrinsic" in resolved.carried  # the previous question
    assert "transformers" in resolved.carried  # and the one it leaned on


def test_a_refused_turn_without_sources_leaves_the_earlier_answer_in_reach() -> None:
    history = (*ONE_PAPER, Turn("What is the weather?", "I could not find anything relevant.", ()))

    assert resolve_follow_up("What does it use as evidence?", history).documents == (FAIR_RAG,)


@pytest.mark.parametrize(
    ("question", "leans"),
    [
        ("Which papers forecast air pollution with machine learning?", True),  # names nothing specific
        ("Which papers forecast air pollution with LSTM networks in 2023?", False),
        ("Which models that use retrieval beat GPT-4 on HotpotQA?", False),  # "that" here is relative
        ("How does that model compare with GPT-4 on HotpotQA?", True),  # ...and here it points back
    ],
)
def test_what_counts_as_leaning_on_history(question: str, leans: bool) -> None:
    assert leans_on_history(question) is leans
