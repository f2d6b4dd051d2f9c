"""A protocol-faithful fake of an OpenAI-compatible server: /v1/models, /v1/chat/completions (SSE), /v1/embeddings."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from tests.fakes.http_server import Exchange, FakeServer, Fault, fake_reply, fake_vector, word_count

DEFAULT_DIMENSION = 12


class FakeOpenAI(FakeServer):
    def __init__(
        self, models: tuple[str, ...] = ("gpt-test", "embed-test"), api_key: str | None = None, usage: bool = True
    ) -> None:
        super().__init__()
        self.models = models
        self.api_key = api_key
        self.usage = usage  # some servers never send usage, even when asked

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def handle(self, exchange: Exchange) -> None:
        request = exchange.request
        if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}":
            exchange.json(401, _error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"))
        elif request.method == "GET" and request.path == "/v1/models":
            exchange.json(200, {"object": "list", "data": [_model(name) for name in self.models]})
        elif request.method == "POST" and request.path == "/v1/chat/completions":
            self._chat(exchange, request.body)
        elif request.method == "POST" and request.path == "/v1/embeddings":
            self._embeddings(exchange, request.body)
        else:
            exchange.json(404, _error(f"Invalid URL ({request.method} {request.path})", "invalid_request_error"))

    def _chat(self, exchange: Exchange, body: dict[str, Any]) -> None:
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            exchange.json(400, _error("'messages' is a required property", "invalid_request_error"))
            return
        if self._refused(exchange, body):
            return
        answered, fault = self.serve_fault(exchange, _fault_body)
        if answered:
            return
        words, reason = fake_reply(body["messages"], int(body.get("max_tokens") or 128))
        usage = {
            "prompt_tokens": word_count(body["messages"]),
            "completion_tokens": len(words),
            "total_tokens": word_count(body["messages"]) + len(words),
        }
        if body.get("stream"):
            include_usage = self.usage and bool((body.get("stream_options") or {}).get("include_usage"))
            chunks = self._sse(body["model"], words, reason, usage if include_usage else None)
            exchange.stream("text/event-stream", chunks, fault.die_after_chunks if fault else None)
            return
        reply: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "".join(words)}, "finish_reason": reason}
            ],
        }
        if self.usage:
            reply["usage"] = usage
        exchange.json(200, reply)

    def _sse(self, model: str, words: list[str], reason: str, usage: dict[str, int] | None) -> Iterator[bytes]:
        def chunk(choices: list[dict[str, Any]], **extra: Any) -> bytes:
            payload = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model}
            return f"data: {json.dumps({**payload, 'choices': choices, **extra})}\n\n".encode()

        yield b": keep-alive\n\n"
        yield chunk([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
        for word in words:
            yield chunk([{"index": 0, "delta": {"content": word}, "finish_reason": None}])
        yield chunk([{"index": 0, "delta": {}, "finish_reason": reason}])
        if usage is not None:
            yield chunk([], usage=usage)
        yield b"data: [DONE]\n\n"

    def _embeddings(self, exchange: Exchange, body: dict[str, Any]) -> None:
        if self._refused(exchange, body) or self.serve_fault(exchange, _fault_body)[0]:
            return
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        dimension = int(body.get("dimensions") or DEFAULT_DIMENSION)
        data = [
            {"object": "embedding", "index": i, "embedding": fake_vector(text, dimension)}
            for i, text in reversed(list(enumerate(texts)))  # order by `index`, not by position
        ]
        tokens = sum(len(t.split()) for t in texts)
        exchange.json(
            200,
            {
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )

    def _refused(self, exchange: Exchange, body: dict[str, Any]) -> bool:
        if body.get("model") in self.models:
            return False
        exchange.json(
            404,
            _error(f"The model `{body.get('model')}` does not exist.", "invalid_request_error", "model_not_found"),
        )
        return True


def _fault_body(fault: Fault) -> dict[str, Any]:
    return _error(fault.message, "rate_limit_exceeded" if fault.status == 429 else "server_error")


def _error(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 0, "owned_by": "fake"}


__all__ = ["FakeOpenAI", "Fault"]
