"""Spans held in a contextvar: `start_trace` opens a root, `span` a child, `set_attributes` annotates.

Stages never know where traces go: a finished trace is handed to whatever `configure` installed
(the background exporter in tracing/tracer.py), or dropped when nothing is installed.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

AttributeValue = str | bool | int | float | Sequence[str] | Sequence[int] | Sequence[float]
SpanStatus = Literal["ok", "error"]
T = TypeVar("T")


@dataclass
class Span:
    name: str
    trace_id: str  # 32 hex digits, as OpenTelemetry's trace ids
    span_id: str  # 16 hex digits
    parent_id: str | None
    start_ns: int  # wall clock, ns since the epoch
    end_ns: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    status: SpanStatus = "ok"
    error: str | None = None

    @property
    def duration_ms(self) -> float:
        return ((self.end_ns or time.time_ns()) - self.start_ns) / 1e6

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "span_id": self.span_id,
            "parent_id": self.parent_id,
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
            "attributes": self.attributes,
            "status": self.status,
            "error": self.error,
        }

    @classmethod
    def from_json(cls, trace_id: str, raw: Mapping[str, Any]) -> Span:
        return cls(
            name=raw["name"],
            trace_id=trace_id,
            span_id=raw["span_id"],
            parent_id=raw["parent_id"],
            start_ns=raw["start_ns"],
            end_ns=raw["end_ns"],
            attributes=dict(raw["attributes"]),
            status=raw["status"],
            error=raw["error"],
        )


@dataclass(frozen=True)
class FinishedTrace:
    trace_id: str
    spans: list[Span]  # in start order: the root first

    @property
    def root(self) -> Span:
        return self.spans[0]

    def children(self, span: Span) -> list[Span]:
        return [s for s in self.spans if s.parent_id == span.span_id]


@dataclass
class OpenTrace:
    """The spans of one trace so far and the span that new children attach to."""

    spans: list[Span]
    span: Span

    @property
    def trace_id(self) -> str:
        return self.span.trace_id


_current: ContextVar[OpenTrace | None] = ContextVar("ragops_span", default=None)
_on_finish: Callable[[FinishedTrace], None] | None = None  # set through configure()
_redact_payloads = False


TraceHandler = Callable[[FinishedTrace], None]


def configure(on_finish: TraceHandler | None, *, redact_payloads: bool) -> tuple[TraceHandler | None, bool]:
    """Install where finished traces go (None: nowhere) and whether payload texts are kept; returns the previous."""
    global _on_finish, _redact_payloads
    previous = _on_finish, _redact_payloads
    _on_finish = on_finish
    _redact_payloads = redact_payloads
    return previous


@contextmanager
def start_trace(name: str, attributes: Mapping[str, AttributeValue] | None = None) -> Iterator[OpenTrace]:
    """A root span (a child span when a trace is already active); the trace is handed on when it ends."""
    trace = open_trace(name, attributes)
    error: BaseException | None = None
    try:
        with attached(trace):
            yield trace
    except BaseException as exc:
        error = exc
        raise
    finally:
        close_trace(trace, error)


def open_trace(name: str, attributes: Mapping[str, AttributeValue] | None = None) -> OpenTrace:
    """A request's span, not current anywhere yet: a new trace's root, or a child of the current span.

    For generators too, whose steps may run in other contexts (a server iterates a stream from worker
    threads): they cannot hold a contextvar across their yields, so they attach the trace around each step.
    """
    parent = _current.get()
    if parent is None:
        root = Span(name, secrets.token_hex(16), secrets.token_hex(8), None, time.time_ns())
        root.attributes.update(attributes or {})
        return OpenTrace([root], root)
    child = Span(name, parent.span.trace_id, secrets.token_hex(8), parent.span.span_id, time.time_ns())
    child.attributes.update(attributes or {})
    parent.spans.append(child)
    return OpenTrace(parent.spans, child)


@contextmanager
def attached(trace: OpenTrace) -> Iterator[None]:
    """Make an open trace current for a block without ending it."""
    token = _current.set(trace)
    try:
        yield
    finally:
        _current.reset(token)


def add_span(
    name: str,
    start_ns: int,
    attributes: Mapping[str, AttributeValue] | None = None,
    error: BaseException | None = None,
) -> None:
    """Record a finished child of the current span that started at `start_ns` and ends now (a streamed stage)."""
    active = _current.get()
    if active is not None:
        child = Span(name, active.span.trace_id, secrets.token_hex(8), active.span.span_id, start_ns)
        child.attributes.update(attributes or {})
        child.end_ns = time.time_ns()
        if error is not None:
            _mark_failed(child, error)
        active.spans.append(child)


def close_trace(trace: OpenTrace, error: BaseException | None = None) -> None:
    """End an open trace's span; a root hands its whole trace on."""
    if error is not None:
        _mark_failed(trace.span, error)
    trace.span.end_ns = trace.span.end_ns or time.time_ns()
    if trace.span.parent_id is None and _on_finish is not None:
        _on_finish(FinishedTrace(trace.span.trace_id, trace.spans))


def stage_timings_ms(trace: OpenTrace) -> dict[str, float]:
    """Wall-clock ms per stage name, summed over the spans below the trace's own span (sub-stages included)."""
    below = {trace.span.span_id}
    timings: dict[str, float] = {}
    for recorded in trace.spans:  # in start order: a parent is always seen before its children
        if recorded.parent_id in below:
            below.add(recorded.span_id)
            timings[recorded.name] = timings.get(recorded.name, 0.0) + recorded.duration_ms
    return timings


@contextmanager
def span(name: str, attributes: Mapping[str, AttributeValue] | None = None) -> Iterator[Span | None]:
    """A child of the current span; without an active trace, nothing (None)."""
    active = _current.get()
    if active is None:
        yield None
        return
    child = Span(
        name,
        active.span.trace_id,
        secrets.token_hex(8),
        active.span.span_id,
        time.time_ns(),
        attributes=dict(attributes or {}),
    )
    active.spans.append(child)
    with _activate(OpenTrace(active.spans, child)):
        yield child


def run_stage(
    name: str, stage: Callable[[], T], describe: Callable[[T], Mapping[str, AttributeValue]] | None = None
) -> T:
    """Run one pipeline stage in its own span; `describe` turns the stage's result into the span's attributes,
    so that stages themselves hold no tracing code."""
    with span(name) as current:
        result = stage()
        if current is not None and describe is not None:
            current.attributes.update(describe(result))
    return result


def run_timed(name: str, work: Callable[[], T]) -> tuple[T, dict[str, float]]:
    """Run `work` in a trace of its own that is never handed on (benchmarks): its result and ms per stage."""
    trace = open_trace(name)
    with attached(trace):
        result = work()
    return result, stage_timings_ms(trace)


@contextmanager
def _activate(active: OpenTrace) -> Iterator[None]:
    """Make `active.span` current for the block; mark it failed if the block raises; end it."""
    token = _current.set(active)
    try:
        yield
    except BaseException as exc:
        _mark_failed(active.span, exc)
        raise
    finally:
        active.span.end_ns = time.time_ns()
        _current.reset(token)


def current_span() -> Span | None:
    active = _current.get()
    return None if active is None else active.span


def current_trace_id() -> str | None:
    active = _current.get()
    return None if active is None else active.span.trace_id


def set_attributes(attributes: Mapping[str, AttributeValue]) -> None:
    """Annotate the current span; a no-op outside a trace."""
    active = _current.get()
    if active is not None:
        active.span.attributes.update(attributes)


def set_payload(key: str, text: str) -> None:
    """Attach user or model text (question, prompt, answer); under redaction only `<key>.chars` is kept."""
    set_attributes(payload(key, text))


def payload(key: str, text: str) -> dict[str, AttributeValue]:
    """The attributes that carry `text`, as configured: the text and its length, or under redaction the length."""
    return {f"{key}.chars": len(text)} if _redact_payloads else {key: text, f"{key}.chars": len(text)}


def _mark_failed(failed: Span, exc: BaseException) -> None:
    failed.status = "error"
    failed.error = f"{type(exc).__name__}: {exc}"
