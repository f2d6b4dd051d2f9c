"""`tracing.sinks` names -> sink factories, and the tracer built from the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ragops.config import Settings
from ragops.store.database import Database
from ragops.tracing.tracer import SinkFactory, Tracer, TraceSink


@dataclass(frozen=True)
class SinkContext:
    settings: Settings
    db: Database


def _postgres(context: SinkContext) -> TraceSink:
    from ragops.tracing.sinks.postgres import PostgresTraceSink

    return PostgresTraceSink(context.db)


def _mlflow(context: SinkContext) -> TraceSink:
    from ragops.tracing.sinks.mlflow import MlflowTraceSink

    settings = context.settings
    return MlflowTraceSink(
        settings.mlflow_tracking_uri, settings.tracing.mlflow_experiment, settings.mlflow_artifact_location
    )


def _otlp(context: SinkContext) -> TraceSink:
    from ragops.tracing.sinks.otlp import OtlpTraceSink

    tracing = context.settings.tracing
    return OtlpTraceSink(tracing.otlp_endpoint, tracing.otlp_timeout_s)


def _console(context: SinkContext) -> TraceSink:
    from ragops.tracing.sinks.console import ConsoleTraceSink

    return ConsoleTraceSink()


SINK_FACTORIES: dict[str, Callable[[SinkContext], TraceSink]] = {
    "postgres": _postgres,
    "mlflow": _mlflow,
    "otlp": _otlp,
    "console": _console,
}


def build_tracer(settings: Settings, db: Database) -> Tracer:
    """A tracer exporting to the configured sinks (each built on the export thread, on first use)."""
    context = SinkContext(settings, db)
    factories: dict[str, SinkFactory] = {kind: _bind(SINK_FACTORIES[kind], context) for kind in settings.tracing.sinks}
    return Tracer(
        factories,
        queue_size=settings.tracing.queue_size,
        prices=settings.tracing.prices,
        redact_payloads=settings.tracing.redact_payloads,
    )


def _bind(factory: Callable[[SinkContext], TraceSink], context: SinkContext) -> SinkFactory:
    return lambda: factory(context)
