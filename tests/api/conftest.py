"""A real uvicorn server on 127.0.0.1 over the session's runtime, for clients that speak real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import uvicorn
from starlette.types import ASGIApp

from ragops.api.app import create_app
from ragops.config import Settings
from ragops.runtime import Runtime


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    collection: str


def short_answers(settings: Settings) -> Settings:
    """Answers capped at 64 tokens: enough to see streaming and citations, quick on 2 cores."""
    return settings.model_copy(update={"llm": settings.llm.model_copy(update={"max_tokens": 64})})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(settings: Settings, runtime: Runtime) -> Iterator[tuple[uvicorn.Server, threading.Thread, str]]:
    """The API over `runtime` in a thread on a free port; stopped (gracefully) on exit."""
    with serving_app(create_app(settings, runtime)) as served:
        yield served


@contextmanager
def serving_app(app: ASGIApp) -> Iterator[tuple[uvicorn.Server, threading.Thread, str]]:
    """uvicorn serving `app` in a thread on a free port; stopped (gracefully) on exit."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=30)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield server, thread, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


@pytest.fixture(scope="session")
def live_server(runtime: Runtime, sample_collection: str) -> Iterator[LiveServer]:
    settings = short_answers(runtime.settings.model_copy(update={"collection": sample_collection}))
    with serving(settings, runtime) as (_, _, base_url):
        yield LiveServer(base_url, sample_collection)
