"""Cheap checks over answer traces: refusals, empty or uncited answers, failures, latency outliers, feedback."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ragops.store.feedback import RatingCounts
from ragops.store.traces import TraceRow

LATENCY_OUTLIER_FACTOR = 3.0  # slower than 3x the median: a stall, not ordinary variation


@dataclass(frozen=True)
class AnswerSample:
    """What the monitoring job needs from one `answer` trace (texts are None when redacted)."""

    trace_id: str
    started_at: datetime
    duration_ms: float
    failed: bool
    is_refusal: bool
    cited: int
    question: str | None
    answer: str | None
    answer_chars: int
    prompt: str | None


def answer_sample(row: TraceRow) -> AnswerSample:
    root = row.attributes
    generate: dict[str, Any] = next((s["attributes"] for s in row.spans if s["name"] == "generate"), {})
    return AnswerSample(
        trace_id=row.trace_id,
        started_at=row.started_at,
        duration_ms=row.duration_ms,
        failed=row.status == "error",
        is_refusal=bool(root.get("ragops.is_refusal", False)),
        cited=int(root.get("ragops.citations.cited", 0)),
        question=root.get("ragops.question"),
        answer=root.get("ragops.answer"),
        answer_chars=int(root.get("ragops.answer.chars", 0)),
        prompt=generate.get("gen_ai.prompt"),
    )


def heuristic_metrics(samples: list[AnswerSample]) -> dict[str, float | None]:
    """Rates over the samples (None when there is nothing to divide by), latency percentiles in ms."""
    completed = [s for s in samples if not s.failed]
    answered = [s for s in completed if not s.is_refusal]
    latencies = sorted(s.duration_ms for s in completed)
    median = statistics.median(latencies) if latencies else None
    return {
        "traces": float(len(samples)),
        "failure_rate": _rate(sum(s.failed for s in samples), len(samples)),
        "refusal_rate": _rate(sum(s.is_refusal for s in completed), len(completed)),
        "empty_answer_rate": _rate(sum(_is_empty(s) for s in answered), len(answered)),
        "uncited_answer_rate": _rate(sum(s.cited == 0 for s in answered), len(answered)),
        "latency_p50_ms": median,
        "latency_p95_ms": _percentile(latencies, 0.95),
        "latency_outliers": (
            float(sum(t > LATENCY_OUTLIER_FACTOR * median for t in latencies)) if median is not None else None
        ),
    }


def negative_feedback_rate(ratings: RatingCounts) -> float | None:
    """Share of the ratings that are negative; None without ratings."""
    return _rate(ratings.negative, ratings.total)


def _is_empty(sample: AnswerSample) -> bool:
    # Redacted traces keep only the size.
    return not sample.answer.strip() if sample.answer is not None else sample.answer_chars == 0


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _percentile(ordered: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]
