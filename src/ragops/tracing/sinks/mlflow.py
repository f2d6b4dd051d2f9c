"""Traces into MLflow tracing: each finished trace is replayed with its own timestamps and parentage."""

from __future__ import annotations

from typing import Any

from ragops.tracing.spans import FinishedTrace, Span

RAGOPS_TRACE_TAG = "ragops.trace_id"  # MLflow mints its own trace ids; this tag finds ours
_SPAN_TYPES = {
    "answer": "CHAIN",
    "ingest": "CHAIN",
    "retrieve": "RETRIEVER",
    "dense": "RETRIEVER",
    "keyword": "RETRIEVER",
    "embed_query": "EMBEDDING",
    "ingest_batch": "CHAIN",
    "embed": "EMBEDDING",
    "generate": "LLM",
}
_INPUT_KEYS = ("ragops.question", "gen_ai.prompt")
_OUTPUT_KEYS = ("ragops.answer", "gen_ai.completion")


class MlflowTraceSink:
    name = "mlflow"

    def __init__(self, tracking_uri: str, experiment: str, artifact_location: str | None) -> None:
        import mlflow

        self._mlflow = mlflow
        self._experiment_id = experiment_id(mlflow.MlflowClient(tracking_uri), experiment, artifact_location)
        # MLflow's fluent tracing writes to the global tracking URI.
        mlflow.set_tracking_uri(tracking_uri)

    def export(self, trace: FinishedTrace) -> None:
        # MLflow writes asynchronously from its own queue (~11 ms a trace here; waiting for each took ~1 s).
        self._replay(trace, trace.root, None)

    def _replay(self, trace: FinishedTrace, span: Span, parent: Any) -> None:
        attributes = {k: v for k, v in span.attributes.items() if k not in _INPUT_KEYS + _OUTPUT_KEYS}
        live = self._mlflow.start_span_no_context(
            span.name,
            span_type=_SPAN_TYPES.get(span.name, "UNKNOWN"),
            parent_span=parent,
            inputs=_first(span, _INPUT_KEYS),
            attributes=attributes,
            tags={RAGOPS_TRACE_TAG: trace.trace_id} if parent is None else None,
            experiment_id=self._experiment_id if parent is None else None,
            start_time_ns=span.start_ns,
        )
        for child in trace.children(span):
            self._replay(trace, child, live)
        live.end(
            outputs=_first(span, _OUTPUT_KEYS),
            status="ERROR" if span.status == "error" else "OK",
            end_time_ns=span.end_ns,
        )

    def close(self) -> None:
        # Flush, never terminate: MLflow's writer is process-wide, and another runtime in this process
        # (a CLI command run in-process, a second app) may still be tracing through it.
        self._mlflow.flush_trace_async_logging(terminate=False)


def experiment_id(client: Any, name: str, artifact_location: str | None) -> str:
    """The id of experiment `name`, created (with its files at `artifact_location`) if missing."""
    found = client.get_experiment_by_name(name)
    return str(found.experiment_id if found else client.create_experiment(name, artifact_location=artifact_location))


def _first(span: Span, keys: tuple[str, ...]) -> str | None:
    return next((span.attributes[k] for k in keys if k in span.attributes), None)
