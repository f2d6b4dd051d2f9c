"""Does a challenger measurably beat the champion? Both are scored on the same items in the same release,
so each gated metric compares paired per-item scores.

A gate passes when the mean improvement reaches its configured minimum (negative = tolerated regression).
Beating also needs one gated metric whose improvement is significant: the one-sided 95% paired-bootstrap
lower bound is above zero. Without that, run-to-run noise of the LLM (a few items, sampling) would
promote versions that are no better.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ragops.evaluation.metrics import lower_is_better
from ragops.evaluation.runner import EvalResult

BOOTSTRAP_SAMPLES = 2000
LOWER_QUANTILE = 0.05  # one-sided 95%


@dataclass(frozen=True)
class Gate:
    metric: str
    challenger: float | None
    champion: float | None
    min_improvement: float
    lower_bound: float | None  # of the improvement; None when the metric is not scored per item

    @property
    def improvement(self) -> float | None:
        """How much better the challenger is (positive = better), in the metric's own units."""
        if self.challenger is None or self.champion is None:
            return None
        delta = self.challenger - self.champion
        return -delta if lower_is_better(self.metric) else delta

    @property
    def passed(self) -> bool:
        # A metric missing on either side fails its gate: nothing was shown.
        return (
            self.improvement is not None
            and math.isfinite(self.improvement)
            and (self.improvement >= self.min_improvement)
        )

    @property
    def significant(self) -> bool:
        return self.lower_bound is not None and self.lower_bound > 0.0


def gates(challenger: EvalResult, champion: EvalResult, min_improvement: Mapping[str, float]) -> list[Gate]:
    return [_gate(metric, challenger, champion, required) for metric, required in min_improvement.items()]


def beats(checked: list[Gate]) -> bool:
    """Every gate passed and at least one improvement is significant: an equal version is no upgrade."""
    return bool(checked) and all(gate.passed for gate in checked) and any(gate.significant for gate in checked)


def _gate(metric: str, challenger: EvalResult, champion: EvalResult, required: float) -> Gate:
    theirs = {result.item.id: result.scores[metric] for result in champion.items if metric in result.scores}
    pairs = [
        (r.scores[metric], theirs[r.item.id]) for r in challenger.items if metric in r.scores and r.item.id in theirs
    ]
    lower_bound = None
    if pairs:
        sign = -1.0 if lower_is_better(metric) else 1.0
        lower_bound = paired_bootstrap_lower_bound([sign * (a - b) for a, b in pairs])
    return Gate(metric, challenger.metrics.get(metric), champion.metrics.get(metric), required, lower_bound)


def paired_bootstrap_lower_bound(differences: list[float], seed: int = 0) -> float:
    """The LOWER_QUANTILE of the mean of resampled per-item differences (seeded: a release is reproducible)."""
    values = np.asarray(differences, dtype=float)
    samples = np.random.default_rng(seed).choice(values, size=(BOOTSTRAP_SAMPLES, len(values)), replace=True)
    return float(np.quantile(samples.mean(axis=1), LOWER_QUANTILE))
