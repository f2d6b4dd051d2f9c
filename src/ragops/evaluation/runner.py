"""Run a pipeline over a test set: per-item results and their averages.

An item that fails (the pipeline errs, the judge's reply cannot be read) keeps the metrics it got and records why
the others are missing in `errors`; every average is over the items that have the metric, never NaN.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ragops.config import ModelPrice, Settings
from ragops.errors import ProviderError, RagopsError, UnreadableReplyError
from ragops.evaluation.answer_metrics import score_answer
from ragops.evaluation.metrics import hit_at_k, mrr_at_k, ndcg_at_k, percentile, recall_at_k, token_f1
from ragops.evaluation.testset import TestItem, chunk_key
from ragops.providers.judge import AnswerJudge, build_judge
from ragops.rag.pipeline import QueryPipeline
from ragops.rag.query import resolve_query
from ragops.runtime import Runtime
from ragops.types import Answer, Candidate, Query

log = logging.getLogger(__name__)

RETRIEVAL_K = 10


@dataclass
class ItemResult:
    item: TestItem
    answer: str
    is_refusal: bool
    latency_ms: float
    retrieved_documents: list[str]
    retrieved_chunks: list[str]
    scores: dict[str, float] = field(default_factory=dict)  # metric -> value; a metric it could not get is absent
    errors: dict[str, str] = field(default_factory=dict)  # stage ("answer", "judge") -> why its metrics are missing
    trace_id: str = ""


@dataclass
class EvalResult:
    metrics: dict[str, float]
    items: list[ItemResult]
    coverage: dict[str, int] = field(default_factory=dict)  # metric -> how many items it averages over


def evaluate_pipeline(
    pipeline: QueryPipeline,
    items: list[TestItem],
    *,
    query_for: Callable[[TestItem], Query],
    on_item: Callable[[ItemResult], None] | None = None,
    judge: AnswerJudge | None = None,
    prices: Mapping[str, ModelPrice] | None = None,
) -> EvalResult:
    """Every item through `pipeline` as `query_for` asks it; `judge` adds the LLM-graded metrics, `prices` the cost."""
    results = []
    for item in items:
        result = evaluate_item(pipeline, item, query_for(item), judge=judge, prices=prices)
        results.append(result)
        if on_item is not None:
            on_item(result)
    return EvalResult(aggregate(results), results, coverage(results))


def evaluate_runtime(
    runtime: Runtime,
    settings: Settings,
    items: list[TestItem],
    *,
    collection: str,
    on_item: Callable[[ItemResult], None] | None = None,
) -> EvalResult:
    """The pipeline `settings` describe over `runtime`'s models, judged and priced as the settings say."""
    if runtime.llm is None:
        raise RuntimeError("evaluation needs a runtime opened with its LLM")
    return evaluate_pipeline(
        runtime.pipeline(settings),
        items,
        query_for=lambda item: resolve_query(settings, item.question, collection=collection),
        on_item=on_item,
        judge=build_judge(settings.evaluation, runtime.llm),
        prices=settings.tracing.prices,
    )


def evaluate_item(
    pipeline: QueryPipeline,
    item: TestItem,
    query: Query,
    *,
    judge: AnswerJudge | None = None,
    prices: Mapping[str, ModelPrice] | None = None,
) -> ItemResult:
    # The ranking metrics look RETRIEVAL_K deep, whatever the pipeline hands its model.
    found = pipeline.retrieve(replace(query, top_k=RETRIEVAL_K))
    result = ItemResult(
        item=item,
        answer="",
        is_refusal=False,
        latency_ms=0.0,
        retrieved_documents=list(dict.fromkeys(c.source_id for c in found.candidates)),
        retrieved_chunks=[chunk_key(c.source_id, c.ordinal) for c in found.candidates],
    )
    result.scores |= retrieval_scores(result, item)
    started = time.perf_counter()
    try:
        answer = pipeline.answer(query)
    except RagopsError as exc:  # one failing item is recorded; the run goes on
        result.errors["answer"] = str(exc)
        log.info("evaluation item %s: the pipeline failed: %s", item.id, exc)
        return result
    result.latency_ms = (time.perf_counter() - started) * 1000.0
    result.answer, result.is_refusal, result.trace_id = answer.text, answer.is_refusal, answer.trace_id
    result.scores |= answer_scores(answer, item) | usage_scores(answer, prices or {})
    if judge is not None:
        _judge(judge, item, answer, found.candidates, result)
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
        scores[f"{level}_hit_at_{k}"] = hit_at_k(ranking, relevant, k)
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
    if not answer.is_refusal:  # what `ragops bench answers` measures, per answer
        checked = score_answer(answer.text, [c.text for c in answer.citations], answer.question)
        scores |= {
            "valid_citation": float(checked.valid_citation),
            "supported_sentences": checked.supported_share,
            "repetition": float(checked.has_repeated_ngrams),
            "leakage": float(checked.leakage),
        }
    return scores


def usage_scores(answer: Answer, prices: Mapping[str, ModelPrice]) -> dict[str, float]:
    """Tokens of the generation call, and its cost when the answering model has a price."""
    usage = answer.usage
    scores = {"input_tokens": float(usage.input_tokens), "output_tokens": float(usage.output_tokens)}
    price = prices.get(answer.models.get("llm", ""))
    if price is not None:
        scores["cost_usd"] = price.cost_usd(usage.input_tokens, usage.output_tokens)
    return scores


def _judge(
    judge: AnswerJudge, item: TestItem, answer: Answer, candidates: Sequence[Candidate], result: ItemResult
) -> None:
    if answer.is_refusal:
        # Nothing to grade for faithfulness or relevance; a refusal states nothing of a reference answer.
        if item.reference_answer:
            result.scores["answer_correctness"] = 0.0
        return
    # The passages the generator saw, in full where retrieval returned them (citations keep a snippet only).
    texts = {c.chunk_id: c.text for c in candidates}
    passages = [texts.get(c.chunk_id, c.snippet) for c in answer.citations]
    try:
        result.scores |= judge.grade(
            question=item.question, passages=passages, answer=answer.text, reference=item.reference_answer
        )
    except (UnreadableReplyError, ProviderError) as exc:  # left out of the averages, never guessed
        result.errors["judge"] = str(exc)
        log.info("evaluation item %s: the judge failed: %s", item.id, exc)


def aggregate(results: Sequence[ItemResult]) -> dict[str, float]:
    """The mean of each metric over the items that have it; latency as percentiles; failures counted by stage."""
    metrics = {
        name: statistics.fmean(r.scores[name] for r in results if name in r.scores)
        for name in sorted({name for result in results for name in result.scores})
    }
    latencies = [r.latency_ms for r in results if "answer" not in r.errors]
    metrics |= {"latency_p50_ms": percentile(latencies, 50), "latency_p95_ms": percentile(latencies, 95)}
    for stage in sorted({stage for result in results for stage in result.errors}):
        metrics[f"{stage}_failures"] = float(sum(stage in r.errors for r in results))
    metrics["items"] = float(len(results))
    return metrics


def coverage(results: Sequence[ItemResult]) -> dict[str, int]:
    """How many items each metric was scored on (judge metrics miss refusals and judge failures)."""
    names = sorted({name for result in results for name in result.scores})
    return {name: sum(name in r.scores for r in results) for name in names}
