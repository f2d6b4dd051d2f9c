"""Release gates against hand-computed values."""

from __future__ import annotations

import pytest

from ragops.evaluation.runner import EvalResult, ItemResult
from ragops.evaluation.testset import TestItem
from ragops.registry.gates import beats, gates, paired_bootstrap_lower_bound


def evaluation(scores: list[dict[str, float]]) -> EvalResult:
    items = [ItemResult(TestItem(f"q{i}", "?"), "", False, 10.0, [], [], scores=dict(s)) for i, s in enumerate(scores)]
    names = {name for s in scores for name in s}
    metrics = {name: sum(s[name] for s in scores if name in s) / sum(name in s for s in scores) for name in names}
    return EvalResult(metrics, items)


def test_bootstrap_bound_of_constant_differences_is_that_constant() -> None:
    assert paired_bootstrap_lower_bound([0.2, 0.2, 0.2]) == pytest.approx(0.2)


def test_bootstrap_bound_lies_below_the_mean_and_above_the_minimum() -> None:
    differences = [0.1, 0.3, -0.1, 0.5, 0.2]  # mean 0.2
    bound = paired_bootstrap_lower_bound(differences)
    assert -0.1 < bound < 0.2
    assert paired_bootstrap_lower_bound(differences) == bound  # seeded: a release is reproducible


def test_a_consistent_improvement_beats_the_champion() -> None:
    champion = evaluation([{"token_f1": 0.1, "document_ndcg_at_10": 1.0}] * 4)
    challenger = evaluation([{"token_f1": 0.3, "document_ndcg_at_10": 1.0}] * 4)
    checked = gates(challenger, champion, {"token_f1": 0.0, "document_ndcg_at_10": 0.0})
    f1, ndcg = checked
    assert f1.improvement == pytest.approx(0.2) and f1.significant and f1.passed
    assert ndcg.improvement == 0.0 and ndcg.passed and not ndcg.significant
    assert beats(checked)


def test_an_equal_version_is_no_upgrade() -> None:
    same = evaluation([{"token_f1": 0.2}, {"token_f1": 0.4}])
    assert not beats(gates(same, same, {"token_f1": 0.0}))


def test_noise_is_not_a_significant_improvement() -> None:
    champion = evaluation([{"token_f1": v} for v in (0.2, 0.3, 0.2, 0.3)])
    challenger = evaluation([{"token_f1": v} for v in (0.3, 0.2, 0.3, 0.25)])  # mean +0.0125, two items worse
    (gate,) = gates(challenger, champion, {"token_f1": 0.0})
    assert gate.passed and not gate.significant and not beats([gate])


def test_a_regression_beyond_the_tolerance_fails_even_with_another_gain() -> None:
    champion = evaluation([{"token_f1": 0.1, "document_ndcg_at_10": 0.9}] * 3)
    challenger = evaluation([{"token_f1": 0.4, "document_ndcg_at_10": 0.8}] * 3)
    checked = gates(challenger, champion, {"token_f1": 0.0, "document_ndcg_at_10": -0.05})
    assert [gate.passed for gate in checked] == [True, False] and not beats(checked)


def test_lower_is_better_metrics_improve_downwards() -> None:
    champion = evaluation([{"refusal": 1.0}] * 3)
    challenger = evaluation([{"refusal": 0.0}] * 3)
    (gate,) = gates(challenger, champion, {"refusal": 0.0})
    assert gate.improvement == 1.0 and gate.significant


def test_a_metric_missing_on_either_side_fails_its_gate() -> None:
    champion = evaluation([{"token_f1": 0.1}] * 3)
    challenger = evaluation([{"token_f1": 0.5}] * 3)
    checked = gates(challenger, champion, {"token_f1": 0.0, "answer_correctness": 0.0})
    assert not checked[1].passed and not beats(checked)
