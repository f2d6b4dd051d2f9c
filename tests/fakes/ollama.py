"""A protocol-faithful fake of the Ollama HTTP API: /api/tags, /api/chat (NDJSON streaming), /api/embed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from tests.fakes.http_server import Exchange, FakeServer, Fault, fake_reply, fake_vector, ndjson, word_count

EMBED_DIMENSION = 8


class FakeOllama(FakeServer):
    def __init__(self, pulled: tuple[str, ...] = ("llama3.2:1b", "nomic-embed-text:latest")) -> None:
        super().__init__()
        self.pulled = pulled

    def handle(self, exchange: Exchange) -> None:
        request = exchange.request
        if request.method == "GET" and request.path == "/api/tags":
            exchange.json(200, {"models": [_tag(name) for name in self.pulled]})
        elif request.method == "POST" and request.path == "/api/chat":
            self._chat(exchange, request.body)
        elif request.method == "POST" and request.path == "/api/embed":
            self._embed(exchange, request.body)
        else:
            exchange.json(404, {"error": f"{request.method} {request.path} not found"})

    def _chat(self, exchange: Exchange, body: dict[str, Any]) -> None:
        if self._refused(exchange, body):
            return
        answered, fault = self.serve_fault(exchange, lambda f: {"error": f.message})
        if answered:
            return
        limit = int(body.get("options", {}).get("num_predict", 128))
        words, reason = fake_reply(body["messages"], limit)
        final = {
            "model": body["model"],
            "created_at": _now(),
            "done": True,
            "done_reason": reason,
            "total_duration": 1_000_000,
            "prompt_eval_count": word_count(body["messages"]),
            "eval_count": len(words),
        }
        if body.get("stream", True):  # Ollama streams unless told not to
            die_after = fault.die_after_chunks if fault else None
            exchange.stream("application/x-ndjson", ndjson(self._chunks(body["model"], words, final)), die_after)
        else:
            message = {"role": "assistant", "content": "".join(words)}
            exchange.json(200, {**final, "model": body["model"], "message": message})

    def _chunks(self, model: str, words: list[str], final: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for word in words:
            yield {
                "model": model,
                "created_at": _now(),
                "message": {"role": "assistant", "content": word},
                "done": False,
            }
        yield {**final, "message": {"role": "assistant", "content": ""}}

    def _embed(self, exchange: Exchange, body: dict[str, Any]) -> None:
        if self._refused(exchange, body):
            return
        answered, _ = self.serve_fault(exchange, lambda f: {"error": f.message})
        if answered:
            return
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        embeddings = [fake_vector(text, EMBED_DIMENSION) for text in texts]
        exchange.json(200, {"model": body["model"], "embeddings": embeddings, "prompt_eval_count": len(texts)})

    def _refused(self, exchange: Exchange, body: dict[str, Any]) -> bool:
        """Ollama's answer to a model that is not pulled."""
        if _tagged(body["model"]) in {_tagged(name) for name in self.pulled}:
            return False
        exchange.json(404, {"error": f'model "{body["model"]}" not found, try pulling it first'})
        return True


def _tag(name: str) -> dict[str, Any]:
    return {"name": name, "model": name, "size": 1, "digest": "0" * 64, "details": {"format": "gguf"}}


def _tagged(name: str) -> str:
    return name if ":" in name else f"{name}:latest"


def _now() -> str:
    return datetime.now(UTC).isoformat()


__all__ = ["EMBED_DIMENSION", "FakeOllama", "Fault"]
