"""Load on the HTTP API: real requests from this process to a server in another process.

Each level runs `requests` calls (at least one per client) with `concurrency` clients pulling from
one shared counter, and reports throughput and latency percentiles. Without a URL a server is started on a free port
(`ragops serve` in a subprocess) and stopped afterwards.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import numpy as np

from ragops.errors import RagopsError

# Questions about the bundled arXiv demo corpus; rotated so requests are not all identical.
QUESTIONS = (
    "What is retrieval-augmented generation?",
    "How do dense retrievers compare with BM25?",
    "How can hallucinations in large language models be reduced?",
    "What are efficient ways to fine-tune large language models?",
    "How are language model agents evaluated?",
    "What is a mixture-of-experts model?",
)
SERVER_START_TIMEOUT_S = 180.0
REQUEST_TIMEOUT_S = 600.0  # a /v1/query at the back of 32 waits for every generation before it


@dataclass(frozen=True)
class BenchPlan:
    concurrency: tuple[int, ...]
    requests: dict[str, int]  # route -> requests per concurrency level
    collection: str | None = None
    api_key: str | None = None


@dataclass
class LevelResult:
    route: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    first_error: str | None = None

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def percentile_ms(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")

    @property
    def p50_ms(self) -> float:
        return self.percentile_ms(50)

    @property
    def p95_ms(self) -> float:
        return self.percentile_ms(95)

    @property
    def p99_ms(self) -> float:
        return self.percentile_ms(99)

    def describe(self) -> str:
        line = (
            f"{self.route} x{self.concurrency}: {self.requests} requests, {self.errors} errors, "
            f"{self.requests_per_s:.1f} req/s, p50 {self.p50_ms:.0f} ms"
        )
        return line + (f" (first error: {self.first_error})" if self.first_error else "")


def run_serve_bench(
    plan: BenchPlan,
    *,
    url: str | None,
    profile: str | None,
    on_level: Callable[[LevelResult], None] | None = None,
) -> list[LevelResult]:
    with _server(url, profile) as base_url:
        results = []
        for route, count in plan.requests.items():
            asyncio.run(_level(base_url, route, 1, 1, plan))  # warm-up: caches, first model call
            for concurrency in plan.concurrency:
                # Every client sends at least one request, so a level really reaches its concurrency.
                result = asyncio.run(_level(base_url, route, concurrency, max(count, concurrency), plan))
                if on_level:
                    on_level(result)
                results.append(result)
        return results


async def _level(base_url: str, route: str, concurrency: int, count: int, plan: BenchPlan) -> LevelResult:
    headers = {"Authorization": f"Bearer {plan.api_key}"} if plan.api_key else {}
    numbers: Iterator[int] = itertools.count()
    latencies: list[float] = []
    failures: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=REQUEST_TIMEOUT_S
    ) as client:

        async def worker() -> None:
            while (n := next(numbers)) < count:
                body: dict[str, object] = {"question": QUESTIONS[n % len(QUESTIONS)]}
                if plan.collection:
                    body["collection"] = plan.collection
                started = time.perf_counter()
                try:
                    response = await client.post(route, json=body)
                    if response.status_code != 200:
                        failures.append(f"HTTP {response.status_code}: {response.text[:200]}")
                        continue
                except httpx.HTTPError as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append((time.perf_counter() - started) * 1000.0)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return LevelResult(route, concurrency, count, len(failures), seconds, latencies, failures[0] if failures else None)


@contextmanager
def _server(url: str | None, profile: str | None) -> Iterator[str]:
    if url is not None:
        yield url.rstrip("/")
        return
    port = _free_port()
    command = [sys.executable, "-c", "from ragops.cli import app; app()", "serve", "--port", str(port)]
    if profile:
        command += ["--profile", profile]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}  # BLAS threads fight torch's on 2 cores (DESIGN.md)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, process)
        yield base_url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(base_url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read() if process.stderr else ""
            raise RagopsError(f"the server exited with code {process.returncode}:\n{stderr[-2000:]}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass  # not listening yet
        time.sleep(0.5)
    raise RagopsError(f"the server at {base_url} was not ready within {SERVER_START_TIMEOUT_S:.0f} s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
