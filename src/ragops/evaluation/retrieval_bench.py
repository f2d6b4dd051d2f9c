"""Retrieval benchmark on a BEIR dataset: one result per pipeline mode, scored at document level.

qrels judge documents, so a document ranks where its best chunk ranks. The dataset lives in its own
collection (`bench-<folder name>` by default) and never mixes with a knowledge base.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ragops.config import ChunkingSettings, Settings
from ragops.errors import ConfigError
from ragops.evaluation.beir import BeirDataset
from ragops.evaluation.metrics import mrr_at_k, ndcg_at_k, percentile, recall_at_k
from ragops.ingest.pipeline import IngestReport, ingest_documents
from ragops.ingest.sources.beir import SOURCE, read_beir_corpus
from ragops.providers.base import Embedder
from ragops.rag.searcher import Searcher
from ragops.store.database import Database
from ragops.tracing.spans import run_timed
from ragops.types import Candidate, Query

RECALL_DEPTH = 100

# Each mode is a change to the configured settings; "hybrid" is the configured default itself.
MODES: dict[str, dict[str, dict[str, Any]]] = {
    "dense": {"retrieval": {"mode": "dense"}},
    "keyword": {"retrieval": {"mode": "keyword", "keyword_scorer": "bm25"}},
    "keyword-tsrank": {"retrieval": {"mode": "keyword", "keyword_scorer": "ts_rank"}},
    "hybrid": {},
    "hybrid-sequential": {"retrieval": {"mode": "hybrid", "concurrent_keyword": False}},
    "hybrid-rrf": {"retrieval": {"mode": "hybrid", "fusion": "rrf"}},
    "hybrid-minmax": {"retrieval": {"mode": "hybrid", "fusion": "minmax"}},
    "hybrid-zscore": {"retrieval": {"mode": "hybrid", "fusion": "zscore"}},
    "hybrid-chunks": {"retrieval": {"mode": "hybrid", "one_chunk_per_document": False}},
    "hybrid-tsrank": {"retrieval": {"mode": "hybrid", "keyword_scorer": "ts_rank"}},
    "hybrid+mmr": {"rerank": {"kind": "mmr"}},
    "hybrid+llm-rerank": {"rerank": {"kind": "llm"}},
    "hybrid+cross-encoder": {"rerank": {"kind": "cross_encoder"}},
    "hybrid+multi-query": {"expansion": {"multi_query": 3}},
    "hybrid+hyde": {"expansion": {"hyde": True}},
    "hybrid+keywords": {"expansion": {"keywords": True}},
}
LLM_MODES = frozenset({"hybrid+llm-rerank", "hybrid+multi-query", "hybrid+hyde", "hybrid+keywords"})
DEFAULT_MODES = (
    "dense",
    "keyword",
    "keyword-tsrank",
    "hybrid",
    "hybrid-rrf",
    "hybrid-minmax",
    "hybrid-chunks",
    "hybrid-tsrank",
    "hybrid+mmr",
)


@dataclass(frozen=True)
class ModeResult:
    mode: str
    dataset: str
    split: str
    queries: int
    ndcg_at_10: float
    recall_at_100: float
    mrr_at_10: float
    latency_p50_ms: float
    latency_p95_ms: float
    stages_ms: dict[str, dict[str, float]] = field(default_factory=dict)  # stage -> {"p50", "p95"}

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "dataset": self.dataset,
            "split": self.split,
            "queries": self.queries,
            "ndcg@10": round(self.ndcg_at_10, 4),
            "recall@100": round(self.recall_at_100, 4),
            "mrr@10": round(self.mrr_at_10, 4),
            "latency_ms": {"p50": round(self.latency_p50_ms, 1), "p95": round(self.latency_p95_ms, 1)},
            "stages_ms": self.stages_ms,
        }


def mode_settings(settings: Settings, mode: str, depth: int) -> Settings:
    """The settings a mode runs with; every retriever looks `depth` chunks deep."""
    if mode not in MODES:
        raise ConfigError(f"unknown benchmark mode {mode!r}; known: {', '.join(MODES)}")
    sections = {"retrieval": {"candidates": depth}}
    for section, changes in MODES[mode].items():
        sections[section] = sections.get(section, {}) | changes
    updates = {
        name: getattr(settings, name).model_validate(getattr(settings, name).model_dump() | changes)
        for name, changes in sections.items()
    }
    return settings.model_copy(update=updates)


def ingest_dataset(
    db: Database, embedder: Embedder, dataset: BeirDataset, *, collection: str, chunking: ChunkingSettings
) -> IngestReport:
    """Load the corpus into its own collection; unchanged documents are skipped on later runs."""
    return ingest_documents(
        db,
        embedder,
        read_beir_corpus(dataset.corpus),
        collection=collection,
        source=SOURCE,
        location=str(dataset.corpus),
        chunking=chunking,
    )


def run_mode(
    searcher: Searcher,
    dataset: BeirDataset,
    *,
    mode: str,
    split: str,
    collection: str,
    queries: Sequence[int] | None = None,
    on_query: Callable[[], None] | None = None,
) -> ModeResult:
    """Run every query (or those at `queries` indexes) through `searcher`; metrics and latencies."""
    chosen = dataset.queries if queries is None else [dataset.queries[i] for i in queries]
    if not chosen:
        raise ConfigError(f"no queries to run for mode {mode}")

    # Every knob explicit: the mode's own settings, RECALL_DEPTH passages for the recall metric.
    def as_query(text: str) -> Query:
        return Query(question=text, collection=collection, mode=searcher.retrieval.mode, top_k=RECALL_DEPTH)

    searcher.search(as_query(chosen[0].text))  # warm caches and the pool
    ndcg, recall, mrr, latencies = [], [], [], []
    stages: dict[str, list[float]] = {}
    for query in chosen:
        started = time.perf_counter()
        found, timings = run_timed("bench.search", partial(searcher.search, as_query(query.text)))
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        # LLM expansion is reported as its own stage, not in the retrieval latency.
        latencies.append(elapsed_ms - timings.get("expand", 0.0))
        for stage, ms in timings.items():
            stages.setdefault(stage, []).append(ms)
        ranking = document_ranking(found.candidates)
        ndcg.append(ndcg_at_k(ranking, query.relevant, 10))
        recall.append(recall_at_k(ranking, query.relevant, RECALL_DEPTH))
        mrr.append(mrr_at_k(ranking, query.relevant, 10))
        if on_query:
            on_query()
    return ModeResult(
        mode=mode,
        dataset=dataset.name,
        split=split,
        queries=len(chosen),
        ndcg_at_10=statistics.fmean(ndcg),
        recall_at_100=statistics.fmean(recall),
        mrr_at_10=statistics.fmean(mrr),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        stages_ms={
            stage: {"p50": round(percentile(v, 50), 2), "p95": round(percentile(v, 95), 2)}
            for stage, v in stages.items()
        },
    )


def document_ranking(candidates: Sequence[Candidate]) -> list[str]:
    """Document ids in the order of their best chunk."""
    return list(dict.fromkeys(c.source_id for c in candidates))
