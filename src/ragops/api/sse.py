"""Server-Sent Events from a blocking generator, without blocking the event loop.

Each `next()` runs in the thread pool. When the client goes away the generator is closed, so
generation stops at the next token and the model's lock is released.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Generator, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio
from fastapi import Request
from pydantic import BaseModel

from ragops.api.metrics import Metrics

T = TypeVar("T")

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # proxies must not buffer the stream


def sse_frame(payload: BaseModel | dict[str, Any] | str, event: str | None = None) -> str:
    """One SSE message; a str payload goes out verbatim (OpenAI's `[DONE]`)."""
    if isinstance(payload, BaseModel):
        data = payload.model_dump_json()
    elif isinstance(payload, dict):
        data = json.dumps(payload, ensure_ascii=False)
    else:
        data = payload
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {data}\n\n"


async def stream_frames(request: Request, frames: Generator[str, None, None], metrics: Metrics) -> AsyncIterator[str]:
    finished = False
    try:
        while True:
            frame = await anyio.to_thread.run_sync(next, frames, None)
            if frame is None:
                finished = True
                return
            yield frame
            if await request.is_disconnected():
                return
    finally:
        if not finished:
            metrics.generations_cancelled.inc()
        with anyio.CancelScope(shield=True):  # the close must run even while this task is cancelled
            await anyio.to_thread.run_sync(frames.close)


@contextmanager
def closing_stream(events: Iterator[T]) -> Iterator[Iterator[T]]:
    """Close a generator typed as a plain Iterator on exit, so the model's stream stops with it."""
    try:
        yield events
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
