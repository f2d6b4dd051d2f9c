"""Score guard policies on a labelled test set: precision, recall, false-positive rate, added latency."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ragops.guardrails.policies import GuardPolicy, GuardrailLayer, run_policies
from ragops.jsonl import read_jsonl
from ragops.types import Candidate


@dataclass(frozen=True)
class GuardCase:
    """One labelled text; `labels` names the guard kinds that should trigger (empty = benign)."""

    id: str
    text: str
    labels: frozenset[str]
    category: str
    hard_negative: bool = False


@dataclass(frozen=True)
class GroundedClaim:
    text: str
    supported: bool
    category: str  # how it was written: paraphrase, close, synthesis / hallucination, contradiction, ...


@dataclass(frozen=True)
class GroundingCase:
    """One answer: its sentences, each labelled supported or not by the passages it was written from."""

    id: str
    passages: tuple[str, ...]
    claims: tuple[GroundedClaim, ...]

    @property
    def answer(self) -> str:
        return " ".join(claim.text for claim in self.claims)


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
class LayerLatency:
    """All three stages of the guard layer over whole requests: question, passages, answer."""

    requests: int
    p50_ms: float
    p95_ms: float
    # The same requests with the question already embedded: retrieval needs that vector anyway, and the
    # denied-topics guard shares it (SharedQueryEmbedder), so this is what the guards add to a request.
    net_p50_ms: float
    net_p95_ms: float

    def as_dict(self) -> dict[str, object]:
        return {
            "guard": "guard layer per request",
            "requests": self.requests,
            "latency_p50_ms": round(self.p50_ms, 3),
            "latency_p95_ms": round(self.p95_ms, 3),
            "net_latency_p50_ms": round(self.net_p50_ms, 3),
            "net_latency_p95_ms": round(self.net_p95_ms, 3),
        }


@dataclass(frozen=True)
class BenchReport:
    cases: int
    benign: int
    benign_flagged: int  # benign cases on which any guard fired
    guards: list[GuardScore]  # input guards, per case
    latency_p50_ms: float  # all input policies in order, as a request runs them
    latency_p95_ms: float
    grounding: GuardScore | None = None  # per answer sentence; latency per answer
    layer: LayerLatency | None = None

    @property
    def false_positive_rate(self) -> float:
        return self.benign_flagged / self.benign if self.benign else 0.0

    def json_lines(self) -> list[str]:
        summary = {
            "guard": "all input guards",
            "cases": self.cases,
            "benign": self.benign,
            "false_positive_rate": round(self.false_positive_rate, 4),
            "latency_p50_ms": round(self.latency_p50_ms, 3),
            "latency_p95_ms": round(self.latency_p95_ms, 3),
        }
        rows = [*map(_score_dict, self.guards), summary]
        if self.grounding is not None:
            rows.append(_score_dict(self.grounding))
        if self.layer is not None:
            rows.append(self.layer.as_dict())
        return [json.dumps(row) for row in rows]


def _score_dict(score: GuardScore) -> dict[str, object]:
    return {
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


def load_testset(path: Path) -> list[GuardCase]:
    """Read a JSON-lines guard set (id, text, labels, category, hard_negative); ConfigError names the line at fault."""
    return read_jsonl(path, _guard_case, what="guard test set", missing_hint="pass --testset")


def _guard_case(row: dict[str, Any]) -> GuardCase:
    return GuardCase(
        id=str(row["id"]),
        text=str(row["text"]),
        labels=frozenset(row.get("labels", [])),
        category=str(row.get("category", "")),
        hard_negative=bool(row.get("hard_negative", False)),
    )


def load_grounding_set(path: Path) -> list[GroundingCase]:
    """Answers with labelled sentences (id, passages, claims: text, supported, category), JSON lines."""
    return read_jsonl(path, _grounding_case, what="grounding test set", missing_hint="pass --grounding")


def _grounding_case(row: dict[str, Any]) -> GroundingCase:
    claims = tuple(GroundedClaim(str(c["text"]), bool(c["supported"]), str(c["category"])) for c in row["claims"])
    return GroundingCase(str(row["id"]), tuple(str(p) for p in row["passages"]), claims)


def bench_guardrails(
    policies: Sequence[GuardPolicy], cases: Sequence[GuardCase], stage: Sequence[GuardPolicy] | None = None
) -> BenchReport:
    """Each guard on every case alone (for its own scores), then the whole input stage (for latency): `stage`,
    the same policies built as a request runs them (sharing the question's vector), else `policies`."""
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
        scores.append(_score(policy, cases, fired, latencies))
        fired_on_benign.update(case.id for case in benign if case.id in fired)
    stage_latencies = []
    for case in cases:
        started = time.perf_counter()
        run_policies(policies if stage is None else stage, case.text, "input")
        stage_latencies.append((time.perf_counter() - started) * 1000.0)
    return BenchReport(
        cases=len(cases),
        benign=len(benign),
        benign_flagged=len(fired_on_benign),
        guards=scores,
        latency_p50_ms=float(np.percentile(stage_latencies, 50)),
        latency_p95_ms=float(np.percentile(stage_latencies, 95)),
    )


def bench_grounding(policy: GuardPolicy, cases: Sequence[GroundingCase]) -> GuardScore:
    """Positives are the unsupported sentences; "benign" the supported ones. Each sentence is judged alone
    (its own verdict), latency is per whole answer against its passages."""
    fired: set[str] = set()
    labelled: list[GuardCase] = []
    latencies = []
    for case in cases:
        for number, claim in enumerate(case.claims, start=1):
            claim_id = f"{case.id}.{number}"
            labelled.append(GuardCase(claim_id, claim.text, _GROUNDING_LABEL[claim.supported], claim.category))
            if policy.guard.inspect(claim.text, sources=case.passages).triggered:
                fired.add(claim_id)
        started = time.perf_counter()
        policy.guard.inspect(case.answer, sources=case.passages)
        latencies.append((time.perf_counter() - started) * 1000.0)
    return _score(policy, labelled, fired, latencies)


def bench_layer(
    layer: GuardrailLayer, questions: Sequence[str], answers: Sequence[GroundingCase], warm: Callable[[str], object]
) -> LayerLatency:
    """Whole requests: question i with answer i (cycled) and its passages as the retrieved chunks. Run twice:
    first as is, then after `warm(question)` has given the layer's shared embedder the question's vector."""
    requests = [(q, answers[i % len(answers)]) for i, q in enumerate(questions)]
    gross = [_request_ms(layer, question, answer) for question, answer in requests]
    for question, _ in requests:
        warm(question)
    net = [_request_ms(layer, question, answer) for question, answer in requests]
    return LayerLatency(
        requests=len(requests),
        p50_ms=float(np.percentile(gross, 50)),
        p95_ms=float(np.percentile(gross, 95)),
        net_p50_ms=float(np.percentile(net, 50)),
        net_p95_ms=float(np.percentile(net, 95)),
    )


def _request_ms(layer: GuardrailLayer, question: str, answer: GroundingCase) -> float:
    candidates = [_candidate(n, passage) for n, passage in enumerate(answer.passages)]
    started = time.perf_counter()
    layer.check_input(question)
    kept, _ = layer.filter_chunks(candidates)
    layer.check_output(answer.answer, [c.text for c in kept])
    return (time.perf_counter() - started) * 1000.0


def _candidate(number: int, passage: str) -> Candidate:
    return Candidate(number, number, 0, passage, "", "bench", str(number), None, 1.0)


def _score(policy: GuardPolicy, cases: Sequence[GuardCase], fired: set[str], latencies: Sequence[float]) -> GuardScore:
    labelled = [case for case in cases if policy.kind in case.labels]
    positives = [case.id for case in labelled]
    benign = [case.id for case in cases if not case.labels]
    return GuardScore(
        guard=policy.name,
        kind=policy.kind,
        positives=len(positives),
        true_positives=sum(case_id in fired for case_id in positives),
        false_positives=len(fired - set(positives)),
        benign_flagged=sum(case_id in fired for case_id in benign),
        benign=len(benign),
        latency_p50_ms=float(np.percentile(latencies, 50)),
        latency_p95_ms=float(np.percentile(latencies, 95)),
        missed=tuple(case_id for case_id in positives if case_id not in fired),
        false_alarms=tuple(sorted(fired - set(positives))),
        recall_by_category=_recall_by_category(labelled, fired),
    )


def _recall_by_category(labelled: Sequence[GuardCase], fired: set[str]) -> dict[str, float]:
    totals: dict[str, list[int]] = {}
    for case in labelled:
        hits_and_total = totals.setdefault(case.category, [0, 0])
        hits_and_total[0] += case.id in fired
        hits_and_total[1] += 1
    return {category: round(hits / total, 4) for category, (hits, total) in sorted(totals.items())}


# A grounding verdict is a guard firing on an unsupported sentence: label those "grounding", the rest benign.
_GROUNDING_LABEL = {False: frozenset({"grounding"}), True: frozenset[str]()}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
