"""Evaluation runs in MLflow: the effective pipeline config and prompt versions as params, the test set's hash and
manifest, the aggregate metrics (with how many items each covers) and a per-item results table."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ragops.config import PIPELINE_SECTIONS, Settings, masked_config
from ragops.evaluation.manifest import read_manifest
from ragops.evaluation.runner import EvalResult
from ragops.evaluation.testset import items_sha256
from ragops.prompts import PromptLibrary
from ragops.tracing.sinks.mlflow import experiment_id

ITEMS_TABLE = "eval_items.json"
KIND_TAG, KIND = "ragops.kind", "evaluation"
COVERAGE_PREFIX = "coverage."  # metric `coverage.<name>`: items that metric averages over
_MAX_VALUE_CHARS = 5000  # under MLflow's limits for a param (6000) and a tag (5000) value
_BATCH = 100  # MLflow accepts at most 100 params or tags per log_batch call
# Sections logged as params: what the pipeline is, and how it was judged.
LOGGED_SECTIONS = (*PIPELINE_SECTIONS, "evaluation")


def log_evaluation(
    settings: Settings,
    result: EvalResult,
    *,
    testset: Path,
    run_name: str | None = None,
    tags: dict[str, str] | None = None,
) -> str:
    """Log one evaluation of the pipeline `settings` describe as an MLflow run; returns its run id."""
    import mlflow
    from mlflow.entities import Metric, Param

    client = mlflow.MlflowClient(settings.mlflow_tracking_uri)
    experiment = experiment_id(client, settings.evaluation.experiment, settings.mlflow_artifact_location)
    manifest = read_manifest(testset) if testset.is_file() else None
    run_tags = {KIND_TAG: KIND, **_flatten({"testset.manifest": manifest or {}}), **(tags or {})}
    run = client.create_run(experiment, run_name=run_name, tags={k: _clip(v) for k, v in run_tags.items()})
    run_id = str(run.info.run_id)
    try:
        params = pipeline_params(settings) | testset_params(result, testset)
        for batch in _batches(sorted(params.items())):
            client.log_batch(run_id, params=[Param(key, _clip(value)) for key, value in batch])
        metrics = result.metrics | {f"{COVERAGE_PREFIX}{name}": float(n) for name, n in result.coverage.items()}
        now_ms = int(time.time() * 1000)
        for batch in _batches(sorted(metrics.items())):
            client.log_batch(run_id, metrics=[Metric(key, value, now_ms, 0) for key, value in batch])
        client.log_table(run_id, data=items_table(result), artifact_file=ITEMS_TABLE)
        client.log_dict(run_id, _sections(settings), "pipeline_config.json")
        if manifest is not None:
            client.log_dict(run_id, manifest, "testset_manifest.json")
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id)
    return run_id


def pipeline_params(settings: Settings) -> dict[str, str]:
    """The pipeline (and evaluation) sections flattened to `section.key[.index].key` -> value, secrets masked;
    plus `prompt.<name>` -> template version."""
    flat = _flatten(_sections(settings))
    prompts = PromptLibrary(settings.prompts.dir).versions()
    return flat | {f"prompt.{name}": version for name, version in prompts.items()}


def testset_params(result: EvalResult, testset: Path) -> dict[str, str]:
    """Where the items came from and a hash of exactly the items evaluated (after any split)."""
    return {
        "testset.path": str(testset),
        "testset.sha256": items_sha256([r.item for r in result.items]),
        "testset.items": str(len(result.items)),
    }


def items_table(result: EvalResult) -> dict[str, list[Any]]:
    """One row per item: ids, texts, outcome, every metric (None where the item has none), errors as JSON."""
    metric_names = sorted({name for r in result.items for name in r.scores})
    rows = result.items
    table: dict[str, list[Any]] = {
        "id": [r.item.id for r in rows],
        "question": [r.item.question for r in rows],
        "reference_answer": [r.item.reference_answer or "" for r in rows],
        "answer": [r.answer for r in rows],
        "is_refusal": [r.is_refusal for r in rows],
        "latency_ms": [round(r.latency_ms, 1) for r in rows],
        "retrieved_documents": [" ".join(r.retrieved_documents) for r in rows],
        "trace_id": [r.trace_id for r in rows],
        "errors": [json.dumps(r.errors, ensure_ascii=False) if r.errors else "" for r in rows],
    }
    for name in metric_names:
        table[name] = [r.scores.get(name) for r in rows]
    return table


def _sections(settings: Settings) -> dict[str, Any]:
    config = masked_config(settings)
    return {section: config[section] for section in LOGGED_SECTIONS}


def _flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Nested mappings and lists of mappings by dotted key; lists of plain values as one JSON value."""
    if isinstance(value, Mapping):
        flat: dict[str, str] = {}
        for key, inner in value.items():
            flat |= _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
        return flat
    if isinstance(value, list | tuple) and any(isinstance(v, Mapping) for v in value):
        flat = {}
        for index, inner in enumerate(value):
            flat |= _flatten(inner, f"{prefix}.{index}")
        return flat
    return {prefix: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}


def _clip(value: str) -> str:
    return value if len(value) <= _MAX_VALUE_CHARS else value[: _MAX_VALUE_CHARS - 1] + "…"


def _batches(pairs: Sequence[tuple[str, Any]]) -> Iterator[Sequence[tuple[str, Any]]]:
    for start in range(0, len(pairs), _BATCH):
        yield pairs[start : start + _BATCH]
