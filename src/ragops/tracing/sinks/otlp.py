"""Traces to any OpenTelemetry collector over OTLP/HTTP (protobuf): Jaeger, Tempo, Phoenix, Langfuse."""

from __future__ import annotations

from typing import Any

from ragops.tracing.spans import FinishedTrace, Span

SERVICE_NAME = "ragops"


class OtlpTraceSink:
    name = "otlp"

    def __init__(self, endpoint: str, timeout_s: float) -> None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource

        self._endpoint = endpoint
        self._exporter = OTLPSpanExporter(endpoint=endpoint, timeout=timeout_s)
        self._resource = Resource.create({"service.name": SERVICE_NAME})

    def export(self, trace: FinishedTrace) -> None:
        from opentelemetry.sdk.trace.export import SpanExportResult

        result = self._exporter.export([self._readable(s) for s in trace.spans])
        if result is not SpanExportResult.SUCCESS:
            raise ConnectionError(f"the OTLP collector at {self._endpoint} did not accept the spans")

    def _readable(self, span: Span) -> Any:
        from opentelemetry.sdk.trace import ReadableSpan
        from opentelemetry.trace import SpanContext, Status, StatusCode, TraceFlags

        def context(span_id: str) -> SpanContext:
            return SpanContext(int(span.trace_id, 16), int(span_id, 16), is_remote=False, trace_flags=TraceFlags(1))

        return ReadableSpan(
            name=span.name,
            context=context(span.span_id),
            parent=context(span.parent_id) if span.parent_id else None,
            resource=self._resource,
            attributes=span.attributes,
            status=Status(StatusCode.ERROR, span.error) if span.status == "error" else Status(StatusCode.OK),
            start_time=span.start_ns,
            end_time=span.end_ns,
        )

    def close(self) -> None:
        self._exporter.shutdown()  # type: ignore[no-untyped-call]
