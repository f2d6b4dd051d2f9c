"""`ragops bench answers`: how trustworthy the answers are, per answer mode, over one test set.

Every mode answers every question through the real pipeline; the no-LLM baseline (the three passage sentences
sharing most words with the question) is scored over the same passages as the first mode's answer. Citation and
support metrics are over answered questions (refusals are counted apart); support is pooled over sentences.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

from ragops.config import AnswerMode, Settings
from ragops.evaluation.answer_metrics import AnswerScores, score_answer
from ragops.evaluation.metrics import percentile, words
from ragops.evaluation.testset import TestItem
from ragops.lexical import sentence_spans
from ragops.rag.query import resolve_query
from ragops.runtime import Runtime

BASELINE = "baseline"  # not a pipeline mode: the extractive reference every answer must beat
BASELINE_SENTENCES = 3


@dataclass(frozen=True)
class AnswerRow:
    """One question answered one way, with its scores."""

    mode: str
    item_id: str
    question: str
    answer: str
    answered_by: str
    is_refusal: bool
    scores: AnswerScores
    latency_ms: float
    attribution_ms: float


@dataclass(frozen=True)
class ModeSummary:
    mode: str
    questions: int
    refusal_rate: float
    valid_citation_rate: float  # answers with at least one [n] naming a given passage
    supported_sentences: float  # claim sentences supported by the passage they cite, pooled
    repetition_rate: float  # answers with a repeated content 4-gram
    leakage_rate: float  # answers with prompt/role leakage
    token_f1: float
    latency_p50_ms: float
    latency_p95_ms: float
    attribution_p95_ms: float

    def to_json(self) -> dict[str, float | int | str]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def run_answer_bench(
    runtime: Runtime,
    settings: Settings,
    items: Sequence[TestItem],
    modes: Sequence[AnswerMode],
    *,
    collection: str | None = None,
    on_answer: Callable[[AnswerRow], None] | None = None,
) -> list[AnswerRow]:
    """Rows for every (mode, item), then the baseline's over the first mode's passages."""
    rows: list[AnswerRow] = []
    first_passages: dict[str, list[str]] = {}
    for mode in modes:
        mode_settings = settings.model_copy(update={"answer": settings.answer.model_copy(update={"mode": mode})})
        pipeline = runtime.pipeline(mode_settings)
        for item in items:
            query = resolve_query(mode_settings, item.question, collection=collection)
            started = time.perf_counter()
            answer = pipeline.answer(query)
            latency_ms = (time.perf_counter() - started) * 1000.0
            passages = [c.text for c in answer.citations]
            first_passages.setdefault(item.id, passages)
            row = AnswerRow(
                mode=mode,
                item_id=item.id,
                question=item.question,
                answer=answer.text,
                answered_by=answer.answered_by,
                is_refusal=answer.is_refusal,
                scores=score_answer(answer.text, passages, answer.question, item.reference_answer),
                latency_ms=latency_ms,
                attribution_ms=answer.timings_ms.get("attribute", 0.0) + answer.timings_ms.get("extract", 0.0),
            )
            rows.append(row)
            if on_answer is not None:
                on_answer(row)
    for item in items:
        passages = first_passages.get(item.id, [])
        text = baseline_answer(item.question, passages)
        rows.append(
            AnswerRow(
                mode=BASELINE,
                item_id=item.id,
                question=item.question,
                answer=text,
                answered_by=BASELINE,
                is_refusal=not passages,
                scores=score_answer(text, passages, item.question, item.reference_answer),
                latency_ms=0.0,
                attribution_ms=0.0,
            )
        )
    return rows


def baseline_answer(question: str, passages: Sequence[str], sentences: int = BASELINE_SENTENCES) -> str:
    """The `sentences` passage sentences sharing most words with the question, each cited, in passage order."""
    asked = set(words(question))
    scored = [
        (len(asked & set(words(passage[start:end]))), number, start, passage[start:end])
        for number, passage in enumerate(passages, start=1)
        for start, end in sentence_spans(passage)
    ]
    best = sorted(scored, key=lambda s: -s[0])[:sentences]
    return " ".join(f"{text} [{number}]" for _, number, _, text in sorted(best, key=lambda s: (s[1], s[2])))


def summarise(rows: Sequence[AnswerRow]) -> list[ModeSummary]:
    """One summary per mode, in the order the rows first name them."""
    modes = list(dict.fromkeys(row.mode for row in rows))
    return [_summary(mode, [row for row in rows if row.mode == mode]) for mode in modes]


def _summary(mode: str, rows: Sequence[AnswerRow]) -> ModeSummary:
    answered = [row for row in rows if not row.is_refusal] or list(rows)
    claims = sum(row.scores.claims for row in answered)
    supported = sum(row.scores.supported_share * row.scores.claims for row in answered)
    f1 = [row.scores.token_f1 for row in rows if row.scores.token_f1 is not None]
    latencies = [row.latency_ms for row in rows]
    return ModeSummary(
        mode=mode,
        questions=len(rows),
        refusal_rate=_mean(row.is_refusal for row in rows),
        valid_citation_rate=_mean(row.scores.valid_citation for row in answered),
        supported_sentences=supported / claims if claims else 0.0,
        repetition_rate=_mean(row.scores.has_repeated_ngrams for row in answered),
        leakage_rate=_mean(row.scores.leakage for row in answered),
        token_f1=statistics.fmean(f1) if f1 else 0.0,
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        attribution_p95_ms=percentile([row.attribution_ms for row in rows], 95),
    )


def _mean(flags: Iterable[bool]) -> float:
    values = [float(flag) for flag in flags]
    return statistics.fmean(values) if values else 0.0
