"""Prometheus metrics: one registry per app, so several apps (tests) never clash.

Add a metric as one more attribute of `Metrics` and reach it from a handler via `MetricsDep`.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Latency buckets in seconds: retrieval is milliseconds, generation with a small local model seconds.
LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ragops_http_requests_total", "HTTP requests by route and status", ["method", "route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "ragops_http_request_duration_seconds", "Time to the end of the response body, by route and status",
            ["method", "route", "status"], buckets=LATENCY_BUCKETS_S, registry=self.registry,
        )  # fmt: skip
        self.generations_cancelled = Counter(
            "ragops_generations_cancelled_total", "Streamed answers stopped because the client went away",
            registry=self.registry,
        )  # fmt: skip
        self.rate_limited = Counter(
            "ragops_rate_limited_total", "Requests refused with 429, by API key name", ["key"], registry=self.registry
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every HTTP request under its route template (`/v1/documents/{document_id}`)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees if the app dies before answering

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            labels = (scope["method"], _route_template(scope), str(status))
            self.metrics.requests.labels(*labels).inc()
            self.metrics.latency.labels(*labels).observe(time.perf_counter() - started)


def _route_template(scope: Scope) -> str:
    """The matched route's path template (the router records it in the scope); one label for all unmatched paths."""
    route = scope.get("route")
    return str(getattr(route, "path", "unmatched"))
