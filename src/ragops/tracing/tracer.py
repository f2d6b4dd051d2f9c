"""Export finished traces from bounded queues on background threads, so no backend slows a request.

A full queue drops the trace and counts it (a warning at the 1st, 2nd, 4th, 8th... drop); a sink
that fails is counted and logged, and the next trace is tried again.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Protocol

from ragops.config import ModelPrice
from ragops.tracing import metrics
from ragops.tracing.spans import FinishedTrace, configure

log = logging.getLogger(__name__)


class TraceSink(Protocol):
    name: str

    def export(self, trace: FinishedTrace) -> None:
        """Deliver one trace; raise on failure (the tracer counts it and carries on)."""
        ...

    def close(self) -> None: ...


SinkFactory = Callable[[], TraceSink]
_STOP = object()


class Tracer:
    """One bounded queue and exporting thread per sink: a slow collector never holds up the others."""

    def __init__(
        self,
        sink_factories: Mapping[str, SinkFactory],
        *,
        queue_size: int,
        prices: Mapping[str, ModelPrice] | None = None,
        redact_payloads: bool = False,
    ) -> None:
        self.redact_payloads = redact_payloads
        self._prices = dict(prices or {})
        self._exporters = [_SinkExporter(name, factory, queue_size) for name, factory in sink_factories.items()]

    @property
    def dropped(self) -> int:
        return sum(e.dropped for e in self._exporters)

    @property
    def export_errors(self) -> int:
        return sum(e.errors for e in self._exporters)

    def submit(self, trace: FinishedTrace) -> None:
        """Called when a root span ends, on the request's thread: never blocks."""
        _add_cost(trace, self._prices)
        metrics.record_trace(trace)
        for exporter in self._exporters:
            exporter.offer(trace)

    def flush(self, timeout_s: float) -> bool:
        """Wait until every queued trace was handed to the sinks; False if `timeout_s` ran out first."""
        deadline = time.monotonic() + timeout_s
        return all(e.flush(max(0.0, deadline - time.monotonic())) for e in self._exporters)

    def close(self, timeout_s: float) -> None:
        """Flush for at most `timeout_s`, then stop the threads; whatever is still queued is lost."""
        self.flush(timeout_s)
        for exporter in self._exporters:
            exporter.stop(timeout_s)


class _SinkExporter:
    def __init__(self, name: str, factory: SinkFactory, queue_size: int) -> None:
        self.dropped = 0
        self.errors = 0
        self.name = name
        self._factory = factory
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._thread = threading.Thread(target=self._run, name="ragops-trace-export", daemon=True)
        self._thread.start()

    def offer(self, trace: FinishedTrace) -> None:
        try:
            self._queue.put_nowait(trace)
        except queue.Full:
            self.dropped += 1
            metrics.TRACES_DROPPED.labels(sink=self.name).inc()
            if self.dropped & (self.dropped - 1) == 0:  # the 1st, 2nd, 4th, 8th... drop
                log.warning(
                    "trace export queue of %s is full (%d traces): dropped trace %s, %d dropped so far; "
                    "is the tracing backend down or slow?",
                    self.name,
                    self._queue.maxsize,
                    trace.trace_id,
                    self.dropped,
                )

    def flush(self, timeout_s: float) -> bool:
        done = self._queue.all_tasks_done
        with done:
            return done.wait_for(lambda: self._queue.unfinished_tasks == 0, timeout=timeout_s)

    def stop(self, timeout_s: float) -> None:
        try:
            self._queue.put(_STOP, timeout=max(timeout_s, 0.01))
        except queue.Full:
            return  # the daemon thread dies with the process
        self._thread.join(timeout=max(timeout_s, 0.01))

    def _run(self) -> None:
        sink = _build(self._factory)
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    break
                if sink is not None and isinstance(item, FinishedTrace):
                    self._export(sink, item)
            finally:
                self._queue.task_done()
        if sink is not None:
            sink.close()

    def _export(self, sink: TraceSink, trace: FinishedTrace) -> None:
        try:
            sink.export(trace)
        except Exception as exc:  # a backend's failure must never end the exporting thread
            self.errors += 1
            metrics.TRACE_EXPORT_ERRORS.labels(sink=self.name).inc()
            log.warning("could not export trace %s to %s: %s", trace.trace_id, self.name, exc)


def _build(factory: SinkFactory) -> TraceSink | None:
    try:
        return factory()
    except Exception as exc:  # one broken sink (bad URI, missing package) must not stop the others
        log.warning("trace sink disabled: %s", exc)
        return None


def _add_cost(trace: FinishedTrace, prices: Mapping[str, ModelPrice]) -> None:
    for span in trace.spans:
        price = prices.get(str(span.attributes.get("gen_ai.request.model", "")))
        tokens_in = span.attributes.get("gen_ai.usage.input_tokens")
        tokens_out = span.attributes.get("gen_ai.usage.output_tokens")
        if price is not None and isinstance(tokens_in, int) and isinstance(tokens_out, int):
            span.attributes["ragops.cost_usd"] = price.cost_usd(tokens_in, tokens_out)


@contextmanager
def use_tracer(tracer: Tracer, *, close_timeout_s: float) -> Iterator[Tracer]:
    """Send every trace finished inside the block to `tracer`; on exit restore the previous one, stop this one."""
    previous, redact = configure(tracer.submit, redact_payloads=tracer.redact_payloads)
    try:
        yield tracer
    finally:
        configure(previous, redact_payloads=redact)
        tracer.close(close_timeout_s)
