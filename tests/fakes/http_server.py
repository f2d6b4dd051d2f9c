"""A tiny threaded HTTP/1.1 server on 127.0.0.1 for protocol-level fakes of model servers.

A fake subclasses FakeServer and routes requests in `handle`. Faults queued with `fail_next`
are served one per model request, in order: an error status with the provider's error body, a
delay that trips the client's timeout, or a stream cut off after some chunks.
"""

from __future__ import annotations

import hashlib
import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Fault:
    status: int | None = None  # answer with this HTTP status and the provider's error body
    message: str = "injected failure"
    delay_s: float = 0.0  # sleep before answering
    die_after_chunks: int | None = None  # stream this many chunks, then drop the connection
    body: bytes | None = None  # answer 200 with this body instead (a malformed page)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._faults: deque[Fault] = deque()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake._dispatch(self, "GET")

            def do_POST(self) -> None:
                fake._dispatch(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, *faults: Fault) -> None:
        self._faults.extend(faults)

    def model_requests(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def serve_fault(self, exchange: Exchange, error_body: Callable[[Fault], Any]) -> tuple[bool, Fault | None]:
        """Apply the next queued fault: (True, fault) when it already answered with an error status."""
        fault = self._faults.popleft() if self._faults else None
        if fault is not None and fault.status is not None:
            exchange.json(fault.status, error_body(fault))
            return True, fault
        if fault is not None and fault.delay_s:
            time.sleep(fault.delay_s)
        if fault is not None and fault.body is not None:
            exchange.send(200, "application/atom+xml", fault.body)
            return True, fault
        return False, fault

    # -- for subclasses -------------------------------------------------------------------

    def handle(self, exchange: Exchange) -> None:
        raise NotImplementedError

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        recorded = Recorded(method, handler.path, {k.lower(): v for k, v in handler.headers.items()}, body)
        self.requests.append(recorded)
        self.handle(Exchange(handler, recorded))


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up (timeout tests)
            super().handle_error(request, client_address)


class Exchange:
    """One request and the ways a fake can answer it."""

    def __init__(self, handler: BaseHTTPRequestHandler, request: Recorded) -> None:
        self._handler = handler
        self.request = request

    def json(self, status: int, payload: Any) -> None:
        self.send(status, "application/json", json.dumps(payload).encode("utf-8"))

    def send(self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self._handler.send_response(status)
        self._handler.send_header("Content-Type", content_type)
        self._handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self._handler.send_header(name, value)
        self._handler.end_headers()
        self._handler.wfile.write(body)

    def stream(self, content_type: str, chunks: Iterable[bytes], die_after: int | None = None) -> None:
        """Chunked transfer encoding; with `die_after`, the socket closes without the final chunk."""
        self._handler.send_response(200)
        self._handler.send_header("Content-Type", content_type)
        self._handler.send_header("Transfer-Encoding", "chunked")
        self._handler.end_headers()
        for sent, chunk in enumerate(chunks):
            if die_after is not None and sent >= die_after:
                self._handler.wfile.flush()
                self._handler.connection.shutdown(socket.SHUT_RDWR)
                self._handler.close_connection = True
                return
            self._handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self._handler.wfile.flush()
        self._handler.wfile.write(b"0\r\n\r\n")
        self._handler.wfile.flush()


def fake_reply(messages: list[dict[str, Any]], limit: int) -> tuple[list[str], str]:
    """Deterministic answer words (at most `limit`) to the last user message, and the finish reason."""
    question = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    words = ["Answer", "to:", *question.split()]
    return ([f"{w} " for w in words[:limit]], "length" if len(words) > limit else "stop")


def fake_vector(text: str, dimension: int) -> list[float]:
    """A deterministic, text-dependent, not normalised vector (so clients must normalise)."""
    seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
    return [float(x) for x in np.random.default_rng(seed).normal(size=dimension) * 3.0]


def word_count(messages: list[dict[str, Any]]) -> int:
    return sum(len(str(m["content"]).split()) for m in messages)


def closed_port_url() -> str:
    """A 127.0.0.1 URL where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def ndjson(objects: Iterable[Any]) -> Iterator[bytes]:
    for obj in objects:
        yield (json.dumps(obj) + "\n").encode("utf-8")
