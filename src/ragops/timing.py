"""Per-stage wall-clock timings, in milliseconds, collected into a plain dict; each stage is also a span."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from ragops.tracing.spans import span


@contextmanager
def timed(timings_ms: dict[str, float], stage: str) -> Iterator[None]:
    """Time `stage` into `timings_ms` and, inside a trace, record it as a child span of the current one."""
    start = time.perf_counter()
    try:
        with span(stage):
            yield
    finally:
        timings_ms[stage] = timings_ms.get(stage, 0.0) + (time.perf_counter() - start) * 1000.0
