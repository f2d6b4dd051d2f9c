"""Averaging per-item results, test set sources and splits, run comparison: plain functions over hand-made values."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ragops.config import ModelPrice, QuestionGenerationSettings
from ragops.errors import ConfigError
from ragops.evaluation.compare import MetricDelta
from ragops.evaluation.question_filters import answer_support, copied_share, drop_reason
from ragops.evaluation.runner import ItemResult, aggregate, coverage, retrieval_scores, usage_scores
from ragops.evaluation.testset import TestItem, read_items, select_split
from ragops.types import Answer, Query, TokenUsage

BEIR_TINY = Path(__file__).parents[1] / "data" / "beir_tiny"


def _result(
    item_id: str, latency_ms: float, scores: dict[str, float], errors: dict[str, str] | None = None
) -> ItemResult:
    return ItemResult(TestItem(item_id, "q?"), "a", False, latency_ms, [], [], scores, errors or {})


def test_averages_skip_items_without_the_metric_and_never_give_nan() -> None:
    # given: the judge graded only the first item; the third item's pipeline failed
    results = [
        _result("1", 100.0, {"token_f1": 0.5, "faithfulness": 0.75}),
        _result("2", 300.0, {"token_f1": 0.0}, {"judge": "unreadable"}),
        _result("3", 0.0, {}, {"answer": "model down"}),
    ]
    # when
    metrics = aggregate(results)
    # then
    assert metrics["token_f1"] == pytest.approx(0.25)
    assert metrics["faithfulness"] == pytest.approx(0.75)  # one graded item, not (0.75 + 0) / 2
    assert metrics["latency_p50_ms"] == pytest.approx(200.0)  # the failed item's latency is not a latency
    assert metrics["judge_failures"] == 1.0 and metrics["answer_failures"] == 1.0 and metrics["items"] == 3.0
    assert not any(math.isnan(v) for v in metrics.values())
    assert coverage(results) == {"faithfulness": 1, "token_f1": 2}


def test_retrieval_scores_at_both_levels() -> None:
    item = TestItem("1", "q?", gold_chunks=("d2#3",), gold_documents=("d2",))
    result = _result("1", 1.0, {})
    result.retrieved_documents, result.retrieved_chunks = ["d1", "d2"], ["d1#0", "d2#1", "d2#3"]
    scores = retrieval_scores(result, item)
    assert scores["document_hit_at_10"] == 1.0 and scores["document_mrr_at_10"] == pytest.approx(0.5)
    assert scores["chunk_mrr_at_10"] == pytest.approx(1 / 3)
    assert scores["chunk_ndcg_at_10"] == pytest.approx(1 / math.log2(4))  # one relevant chunk at rank 3


def test_usage_and_cost_from_the_answer() -> None:
    answer = Answer(
        query=Query("q", "c", "hybrid", 4),
        text="a",
        citations=[],
        is_refusal=False,
        models={"llm": "m"},
        usage=TokenUsage(1000, 200),
    )
    prices = {"m": ModelPrice(input_per_million_usd=1.0, output_per_million_usd=4.0)}
    assert usage_scores(answer, prices) == pytest.approx(
        {"input_tokens": 1000.0, "output_tokens": 200.0, "cost_usd": 0.0018}
    )
    assert "cost_usd" not in usage_scores(answer, {})  # no price, no guess


def test_splits_are_disjoint_reproducible_and_stable_when_items_are_added() -> None:
    items = [TestItem(f"q{i}", "q?") for i in range(200)]
    test = select_split(items, "test", seed=7, test_fraction=0.3)
    train = select_split(items, "train", seed=7, test_fraction=0.3)
    assert {i.id for i in test}.isdisjoint(i.id for i in train) and len(test) + len(train) == 200
    assert 40 <= len(test) <= 80  # about 30 %
    assert select_split(items, "test", seed=7, test_fraction=0.3) == test
    assert select_split(items, "test", seed=8, test_fraction=0.3) != test
    more = select_split([*items, TestItem("new", "q?")], "test", seed=7, test_fraction=0.3)
    assert [i for i in more if i.id != "new"] == test


@pytest.mark.parametrize(
    ("question", "answer", "reason"),
    [
        ("What is it?", "BM25.", "too_short"),
        ("Does Trove load retrieval datasets on the fly?", "retrieval datasets", "answer_in_question"),
        ("Trove, an easy-to-use open-source retrieval toolkit?", "Trove is a toolkit.", "copied_from_passage"),
        ("What toolkit does this paper introduce for experiments?", "Trove, a retrieval toolkit.", "needs_the_passage"),
        (
            "Which database does Trove store embeddings in?",
            "Trove stores them in PostgreSQL with pgvector.",
            "unsupported_answer",
        ),
        (
            "What kind of toolkit is Trove, and what does it simplify?",
            "An open-source retrieval toolkit simplifying research experiments.",
            None,
        ),
    ],
)
def test_drop_reasons(question: str, answer: str, reason: str | None) -> None:
    passage = "We introduce Trove, an easy-to-use open-source retrieval toolkit that simplifies research experiments."
    assert drop_reason(question, answer, passage, QuestionGenerationSettings()) == reason


def test_overlap_measures_by_hand() -> None:
    passage = "dense retrieval beats sparse retrieval on open domain questions"
    # trigrams of the question: (dense retrieval beats) in, (retrieval beats bm25) out -> 1/2
    assert copied_share("Dense retrieval beats BM25", passage) == pytest.approx(0.5)
    # content words (4+ chars or numbers): dense, retrieval, wins, 2024 -> dense, retrieval found -> 2/4
    assert answer_support("Dense retrieval wins in 2024", passage) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("name", "a", "b", "b_is_better"),
    [
        ("faithfulness", 0.5, 0.75, True),
        ("token_f1", 0.5, 0.25, False),
        ("latency_p95_ms", 900.0, 1200.0, False),
        ("refusal", 0.5, 0.0, True),
        ("cost_usd", 0.002, 0.001, True),
        ("items", 3.0, 4.0, None),
        ("faithfulness", 0.5, 0.5, None),
        ("faithfulness", None, 0.5, None),
    ],
)
def test_which_direction_is_better(name: str, a: float | None, b: float | None, b_is_better: bool | None) -> None:
    assert MetricDelta(name, a, b).b_is_better is b_is_better


def test_a_beir_folder_or_qrels_file_is_a_test_set(tmp_path: Path) -> None:
    from_folder = read_items(BEIR_TINY)
    from_qrels = read_items(BEIR_TINY / "qrels" / "test.tsv")
    # then: judged queries only, their documents as gold, no reference answers
    assert from_folder == from_qrels
    assert [(i.id, i.gold_documents, i.reference_answer) for i in from_folder] == [
        ("1", ("d1", "d8"), None),
        ("2", ("d5",), None),
        ("3", ("d3",), None),
    ]
    with pytest.raises(ConfigError, match=r"qrels/train.tsv"):
        read_items(BEIR_TINY / "qrels" / "train.tsv")
    with pytest.raises(ConfigError, match="ragops eval generate"):
        read_items(tmp_path / "missing.jsonl")
