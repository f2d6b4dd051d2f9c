"""Score guard policies on a labelled test set: precision, recall, false-positive rate, added latency."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ragops.errors import ConfigError
from ragops.guardrails.policies import GuardPolicy, run_policies


@dataclass(frozen=True)
class GuardCase:
    """One labelled text; `labels` names the guard kinds that should trigger (empty = benign)."""

    id: str
    text: str
    labels: frozenset[str]
    category: str
    hard_negative: bool = False


@dataclass(frozen=True)
class GuardScore:
    guard: str
    kind: str
    positives: int
    true_positives: int
    false_positives: int
    benign_flagged: int
    benign: int
    latency_p50_ms: float
    latency_p95_ms: float
    missed: tuple[str, ...]  # ids of positives it did not catch
    false_alarms: tuple[str, ...]  # ids it fired on without the label
    recall_by_category: dict[str, float]

    @property
    def precision(self) -> float | None:
        fired = self.true_positives + self.false_positives
        return self.true_positives / fired if fired else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.positives if self.positives else None

    @property
    def false_positive_rate(self) -> float | None:
        return self.benign_flagged / self.benign if self.benign else None


@dataclass(frozen=True)
class BenchReport:
    cases: int
    benign: int
    benign_flagged: int  # benign cases on which any guard fired
    guards: list[GuardScore]
    latency_p50_ms: float  # all input policies in order, as a request runs them
    latency_p95_ms: float

    @property
    def false_positive_rate(self) -> float:
        return self.benign_flagged / self.benign if self.benign else 0.0

    def json_lines(self) -> list[str]:
        lines = [
            json.dumps(
                {
                    "guard": score.guard,
                    "kind": score.kind,
                    "positives": score.positives,
                    "precision": _round(score.precision),
                    "recall": _round(score.recall),
                    "false_positive_rate": _round(score.false_positive_rate),
                    "recall_by_category": score.recall_by_category,
                    "latency_p50_ms": round(score.latency_p50_ms, 3),
                    "latency_p95_ms": round(score.latency_p95_ms, 3),
                    "missed": list(score.missed),
                    "false_alarms": list(score.false_alarms),
                }
            )
            for score in self.guards
        ]
        summary = {
            "guard": "all input guards",
            "cases": self.cases,
            "benign": self.benign,
            "false_positive_rate": round(self.false_positive_rate, 4),
            "latency_p50_ms": round(self.latency_p50_ms, 3),
            "latency_p95_ms": round(self.latency_p95_ms, 3),
        }
        return [*lines, json.dumps(summary)]


def load_testset(path: Path) -> list[GuardCase]:
    """Read a JSON-lines test set; raises ConfigError naming the line at fault."""
    if not path.exists():
        raise ConfigError(f"guard test set {path} not found; pass --testset")
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            cases.append(
                GuardCase(
                    id=str(row["id"]),
                    text=str(row["text"]),
                    labels=frozenset(row.get("labels", [])),
                    category=str(row.get("category", "")),
                    hard_negative=bool(row.get("hard_negative", False)),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}:{number}: expected an object with id and text ({exc})") from exc
    if not cases:
        raise ConfigError(f"guard test set {path} is empty")
    return cases


def bench_guardrails(policies: Sequence[GuardPolicy], cases: Sequence[GuardCase]) -> BenchReport:
    """Each guard on every case alone (for its own scores), then the whole input stage (for latency)."""
    benign = [case for case in cases if not case.labels]
    fired_on_benign: set[str] = set()
    scores = []
    for policy in policies:
        fired: set[str] = set()
        latencies = []
        for case in cases:
            started = time.perf_counter()
            if policy.guard.inspect(case.text).triggered:
                fired.add(case.id)
            latencies.append((time.perf_counter() - started) * 1000.0)
        labelled = [case for case in cases if policy.kind in case.labels]
        positives = [case.id for case in labelled]
        flagged_benign = [case.id for case in benign if case.id in fired]
        fired_on_benign.update(flagged_benign)
        scores.append(
            GuardScore(
                guard=policy.name,
                kind=policy.kind,
                positives=len(positives),
                true_positives=sum(case_id in fired for case_id in positives),
                false_positives=len(fired - set(positives)),
                benign_flagged=len(flagged_benign),
                benign=len(benign),
                latency_p50_ms=float(np.percentile(latencies, 50)),
                latency_p95_ms=float(np.percentile(latencies, 95)),
                missed=tuple(case_id for case_id in positives if case_id not in fired),
                false_alarms=tuple(sorted(fired - set(positives))),
                recall_by_category=_recall_by_category(labelled, fired),
            )
        )
    stage_latencies = []
    for case in cases:
        started = time.perf_counter()
        run_policies(policies, case.text, "input")
        stage_latencies.append((time.perf_counter() - started) * 1000.0)
    return BenchReport(
        cases=len(cases),
        benign=len(benign),
        benign_flagged=len(fired_on_benign),
        guards=scores,
        latency_p50_ms=float(np.percentile(stage_latencies, 50)),
        latency_p95_ms=float(np.percentile(stage_latencies, 95)),
    )


def _recall_by_category(labelled: Sequence[GuardCase], fired: set[str]) -> dict[str, float]:
    totals: dict[str, list[int]] = {}
    for case in labelled:
        hits_and_total = totals.setdefault(case.category, [0, 0])
        hits_and_total[0] += case.id in fired
        hits_and_total[1] += 1
    return {category: round(hits / total, 4) for category, (hits, total) in sorted(totals.items())}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
