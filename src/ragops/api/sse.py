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

from ragops.api.errors import exception_problem
from ragops.api.metrics import Metrics
from ragops.api.schemas import TokenEvent
from ragops.providers.base import TextDelta
from ragops.rag.response import answer_response
from ragops.types import Answer

T = TypeVar("T")

ANSWER_STREAM_DOC = (
    "Server-Sent Events: `event: token` (TokenEvent) as the model writes, then one `event: answer` "
    "(AnswerResponse, with citations), or `event: error` (ProblemDetails) if generation fails midway. "
    "Closing the connection stops generation."
)
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


def answer_frames(events: Iterator[TextDelta | Answer], request_id: str) -> Generator[str, None, None]:
    """`event: token` frames as the answer is written, then `event: answer` (AnswerResponse), or `event: error`."""
    try:
        with closing_stream(events):
            for event in events:
                if isinstance(event, Answer):
                    yield sse_frame(answer_response(event, request_id), "answer")
                else:
                    yield sse_frame(TokenEvent(text=event.text), "token")
    except Exception as exc:  # the 200 is already sent: report in-band, whatever failed
        yield sse_frame(exception_problem(exc), "error")
