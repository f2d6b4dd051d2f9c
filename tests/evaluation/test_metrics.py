import math

import pytest

from ragops.config import ModelPrice
from ragops.evaluation.metrics import hit_at_k, mrr_at_k, ndcg_at_k, percentile, recall_at_k, token_f1


def test_ndcg_matches_a_hand_computed_case() -> None:
    # given: relevant d1 (grade 2) and d3 (grade 1); retrieved d2, d3, d1
    relevant = {"d1": 2, "d3": 1}
    ranking = ["d2", "d3", "d1"]
    # when
    score = ndcg_at_k(ranking, relevant, 10)
    # then: DCG = 0/log2(2) + 1/log2(3) + 2/log2(4) = 0.63093 + 1.0; IDCG = 2/1 + 1/log2(3) = 2.63093
    assert score == pytest.approx((1 / math.log2(3) + 1.0) / (2 + 1 / math.log2(3)))
    assert score == pytest.approx(0.61991, abs=1e-5)


def test_ndcg_cuts_at_k_and_is_one_for_the_ideal_ranking() -> None:
    relevant = {"a": 1, "b": 1}
    assert ndcg_at_k(["a", "b", "x"], relevant, 2) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y", "a"], relevant, 2) == 0.0
    assert ndcg_at_k(["a"], {}, 10) == 0.0


def test_recall_and_mrr() -> None:
    relevant = {"a": 1, "b": 1, "c": 1, "d": 1}
    ranking = ["x", "b", "y", "a"]
    assert recall_at_k(ranking, relevant, 3) == pytest.approx(0.25)
    assert recall_at_k(ranking, relevant, 100) == pytest.approx(0.5)
    assert mrr_at_k(ranking, relevant, 10) == pytest.approx(0.5)
    assert mrr_at_k(ranking, relevant, 1) == 0.0


def test_percentile_interpolates_like_numpy() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert percentile(values, 50) == pytest.approx(25.0)
    assert percentile(values, 95) == pytest.approx(38.5)
    assert percentile([], 95) == 0.0


def test_hit_at_k() -> None:
    assert hit_at_k(["x", "a"], {"a": 1}, 2) == 1.0
    assert hit_at_k(["x", "a"], {"a": 1}, 1) == 0.0
    assert hit_at_k(["a"], {"a": 0}, 10) == 0.0  # grade 0 is not relevant


def test_token_f1_matches_a_hand_computed_case() -> None:
    # prediction tokens: the cat sat (3); reference: the cat sat down today (5); shared: 3
    # precision 3/3, recall 3/5 -> F1 = 2 * 1 * 0.6 / 1.6 = 0.75
    assert token_f1("The cat, sat!", "the cat sat down today") == pytest.approx(0.75)
    assert token_f1("dog", "cat") == 0.0
    assert token_f1("a a b", "a b b") == pytest.approx(2 / 3)  # counts clip: shared a, b


def test_cost_from_per_million_prices() -> None:
    price = ModelPrice(input_per_million_usd=0.5, output_per_million_usd=2.0)
    # 1000 * 0.5 / 1e6 + 200 * 2 / 1e6 = 0.0005 + 0.0004
    assert price.cost_usd(1000, 200) == pytest.approx(0.0009)
