"""Graceful shutdown: a stop signal lets the answer being streamed finish."""

from __future__ import annotations

import json

import httpx

from ragops.runtime import Runtime
from tests.api.conftest import serving, short_answers


def test_an_answer_in_flight_finishes_after_shutdown_begins(runtime: Runtime, sample_collection: str) -> None:
    settings = short_answers(runtime.settings.model_copy(update={"collection": sample_collection}))
    with (
        serving(settings, runtime) as (server, thread, base_url),
        httpx.Client(base_url=base_url, timeout=120) as client,
        client.stream("POST", "/v1/query/stream", json={"question": "What is retrieval-augmented generation?"}) as sse,
    ):
        lines = sse.iter_lines()
        assert next(line for line in lines if line.startswith("event: token"))

        server.should_exit = True  # what SIGTERM does

        rest = list(lines)
        assert "event: answer" in rest
        answer = json.loads(rest[rest.index("event: answer") + 1].removeprefix("data: "))
        assert answer["citations"]
    thread.join(timeout=60)
    assert not thread.is_alive()
