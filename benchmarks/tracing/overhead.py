"""Tracing cost: on the request path (spans + hand-off to the queue) and per trace in each exporting sink.

Run: PYTHONPATH=src python benchmarks/tracing/overhead.py [--traces 2000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from ragops.tracing.sinks.mlflow import MlflowTraceSink
from ragops.tracing.spans import FinishedTrace, attached, close_trace, open_trace, run_stage, stage_timings_ms
from ragops.tracing.tracer import Tracer, use_tracer

STAGES = ["guard_input", "retrieve", "embed_query", "dense", "keyword", "fuse", "guard_chunks", "assemble", "generate"]


def one_request() -> dict[str, float]:
    """What the pipeline does per request: one span per stage via `run_stage`, timings read off the spans."""
    trace = open_trace("answer", {"ragops.collection": "bench"})
    with attached(trace):
        for stage in STAGES:
            run_stage(
                stage, lambda: 40, lambda n: {"ragops.retrieval.chunk_ids": list(range(n)), "ragops.retrieval.count": n}
            )
    timings = stage_timings_ms(trace)
    close_trace(trace)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--traces", type=int, default=2000)
    args = parser.parse_args()

    collected: list[FinishedTrace] = []

    class Collect:
        name = "collect"

        def export(self, trace: FinishedTrace) -> None:
            collected.append(trace)

        def close(self) -> None:
            pass

    tracer = Tracer({"collect": Collect}, queue_size=args.traces + 1)
    with use_tracer(tracer, close_timeout_s=10.0):
        times = []
        for _ in range(args.traces):
            started = time.perf_counter()
            one_request()
            times.append((time.perf_counter() - started) * 1e6)
        tracer.flush(30.0)
    print(
        f"request path, {len(STAGES) + 1} spans + queue hand-off: p50 {statistics.median(times):.0f} us, "
        f"p95 {sorted(times)[int(0.95 * len(times))]:.0f} us over {args.traces} traces"
    )

    with tempfile.TemporaryDirectory() as home:
        sink = MlflowTraceSink(f"sqlite:///{Path(home) / 'mlflow.db'}", "bench", Path(home).as_uri())
        sample = collected[:50]
        started = time.perf_counter()
        for trace in sample:
            sink.export(trace)
        per_trace = (time.perf_counter() - started) * 1000 / len(sample)
        sink.close()
    print(f"MLflow sink (sqlite): {per_trace:.0f} ms per {len(STAGES) + 1}-span trace, on the export thread")


if __name__ == "__main__":
    main()
