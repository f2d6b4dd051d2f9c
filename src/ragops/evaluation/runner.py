"""Run a pipeline over a test set: per-item results and their averages (metrics with no scored item are left out)."""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ragops.evaluation.metrics import mrr_at_k, ndcg_at_k, percentile, recall_at_k
from ragops.evaluation.testset import TestItem, chunk_key
from ragops.rag.pipeline import QueryPipeline
from ragops.types import Answer

RETRIEVAL_K = 10
_WORD = re.compile(r"\w+")


@dataclass
class ItemResult:
    item: TestItem
    answer: str
    is_refusal: bool
    latency_ms: float
    retrieved_documents: list[str]
    retrieved_chunks: list[str]
    scores: dict[str, float] = field(default_factory=dict)  # metric -> value; a metric it could not get is absent
    errors: dict[str, str] = field(default_factory=dict)  # metric or stage -> why it is missing


@dataclass
class EvalResult:
    metrics: dict[str, float]
    items: list[ItemResult]


def evaluate_pipeline(
    pipeline: QueryPipeline,
    items: list[TestItem],
    *,
    collection: str,
    on_item: Callable[[ItemResult], None] | None = None,
) -> EvalResult:
    results = []
    for item in items:
        result = evaluate_item(pipeline, item, collection=collection)
        results.append(result)
        if on_item is not None:
            on_item(result)
    return EvalResult(aggregate(results), results)


def evaluate_item(pipeline: QueryPipeline, item: TestItem, *, collection: str) -> ItemResult:
    found = pipeline.searcher.search(item.question, collection=collection, top_k=RETRIEVAL_K)
    started = time.perf_counter()
    answer = pipeline.answer(item.question, collection=collection)
    result = ItemResult(
        item=item,
        answer=answer.text,
        is_refusal=answer.is_refusal,
        latency_ms=(time.perf_counter() - started) * 1000.0,
        retrieved_documents=list(dict.fromkeys(c.source_id for c in found.candidates)),
        retrieved_chunks=[chunk_key(c.source_id, c.ordinal) for c in found.candidates],
    )
    result.scores |= retrieval_scores(result, item)
    result.scores |= answer_scores(answer, item)
    return result


def retrieval_scores(result: ItemResult, item: TestItem, k: int = RETRIEVAL_K) -> dict[str, float]:
    scores: dict[str, float] = {}
    for level, ranking, gold in (
        ("document", result.retrieved_documents, item.gold_documents),
        ("chunk", result.retrieved_chunks, item.gold_chunks),
    ):
        if not gold:
            continue
        relevant = dict.fromkeys(gold, 1)
        scores[f"{level}_hit_at_{k}"] = float(any(doc in relevant for doc in ranking[:k]))
        scores[f"{level}_recall_at_{k}"] = recall_at_k(ranking, relevant, k)
        scores[f"{level}_mrr_at_{k}"] = mrr_at_k(ranking, relevant, k)
        scores[f"{level}_ndcg_at_{k}"] = ndcg_at_k(ranking, relevant, k)
    return scores


def answer_scores(answer: Answer, item: TestItem) -> dict[str, float]:
    scores = {"refusal": float(answer.is_refusal)}
    if item.reference_answer:
        scores["token_f1"] = token_f1(answer.text, item.reference_answer)
    if answer.citations:
        scores["citation_validity"] = 0.0 if answer.invalid_citations else 1.0
    return scores


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style F1 over lower-cased word tokens."""
    predicted, expected = Counter(_tokens(prediction)), Counter(_tokens(reference))
    overlap = sum((predicted & expected).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(predicted.values()), overlap / sum(expected.values())
    return 2 * precision * recall / (precision + recall)


def aggregate(results: list[ItemResult]) -> dict[str, float]:
    """The mean of each metric over the items that have it; latency as percentiles."""
    names = sorted({name for result in results for name in result.scores})
    metrics = {name: statistics.fmean(r.scores[name] for r in results if name in r.scores) for name in names}
    latencies = [r.latency_ms for r in results]
    metrics |= {"latency_p50_ms": percentile(latencies, 50), "latency_p95_ms": percentile(latencies, 95)}
    metrics["items"] = float(len(results))
    return metrics


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())
