"""Ollama over its HTTP API: /api/chat (NDJSON streaming), /api/embed, /api/tags."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from ragops.config import OllamaChatSettings, OllamaEmbedderSettings
from ragops.errors import ModelNotFoundError, ProviderUnavailable
from ragops.providers.base import ChatMessage, Completion, StreamEvent, TextDelta
from ragops.providers.http_chat import HttpChatModel
from ragops.providers.http_client import HttpJsonClient, decode_json_line, json_field
from ragops.providers.remote_embedder import RemoteEmbedder
from ragops.providers.retry import call_with_retries

PROVIDER = "ollama"


class OllamaChatModel(HttpChatModel):
    provider = PROVIDER
    chat_path = "/api/chat"

    def __init__(self, settings: OllamaChatSettings) -> None:
        super().__init__(settings, _client(settings.base_url, settings.timeout_s, settings.model))

    def _read_reply(self, reply: Any, messages: Sequence[ChatMessage], started: float) -> Completion:
        text = json_field(reply, "message", "content", where=self.model_id)
        return self._completion(str(text), reply, started)

    def _read_stream(
        self, lines: Iterator[str], messages: Sequence[ChatMessage], started: float
    ) -> Iterator[StreamEvent]:
        parts: list[str] = []
        for line in lines:
            event = decode_json_line(line, self.model_id)
            if "error" in event:  # Ollama reports failures after the 200 as a last NDJSON object
                raise ProviderUnavailable(f"{self.model_id} failed mid-answer: {event['error']}")
            text = str(json_field(event, "message", "content", where=self.model_id))
            if text:
                parts.append(text)
                yield TextDelta(text)
            if event.get("done"):
                yield self._completion("".join(parts), event, started)
                return
        raise ProviderUnavailable(f"{self.model_id} closed the stream before its final (done) message")

    def check(self) -> str:
        return check_pulled(self._http, self._settings.model)

    def _body(self, messages: Sequence[ChatMessage], max_tokens: int, temperature: float, *, stream: bool) -> Any:
        return {
            "model": self._settings.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": stream,
            "options": {"num_predict": max_tokens, "temperature": temperature, "num_ctx": self.context_window},
        }

    def _completion(self, text: str, final: Any, started: float) -> Completion:
        return Completion(
            text=text.strip(),
            model_id=self.model_id,
            prompt_tokens=int(final.get("prompt_eval_count", 0)),
            completion_tokens=int(final.get("eval_count", 0)),
            finish_reason=str(final.get("done_reason") or "stop"),
            provider=PROVIDER,
            latency_ms=(time.perf_counter() - started) * 1000.0,
        )


class OllamaEmbedder(RemoteEmbedder):
    def __init__(self, settings: OllamaEmbedderSettings) -> None:
        super().__init__(
            model_id=f"{PROVIDER}/{settings.model}",
            batch_size=settings.batch_size,
            max_input_tokens=settings.max_input_tokens,
            dimension=None,
        )
        self._settings = settings
        self._http = _client(settings.base_url, settings.timeout_s, settings.model)

    def _embed_batch(self, texts: list[str]) -> list[list[float]]:
        body = {"model": self._settings.model, "input": texts}
        reply = call_with_retries(
            lambda: self._http.post_json("/api/embed", body), self._settings.retry, what=self.model_id
        )
        embeddings: list[list[float]] = json_field(reply, "embeddings", where=self.model_id)
        return embeddings

    def check(self) -> str:
        return check_pulled(self._http, self._settings.model)


def check_pulled(http: HttpJsonClient, model: str) -> str:
    """Raises ModelNotFoundError naming the `ollama pull` to run when `model` is not pulled."""
    listed = json_field(http.get_json("/api/tags"), "models", where=f"Ollama at {http.base_url}")
    names = {str(entry.get("name")) for entry in listed}
    if _tagged(model) not in {_tagged(name) for name in names}:
        raise ModelNotFoundError(
            f"model {model!r} is not pulled on Ollama at {http.base_url}; run `ollama pull {model}` "
            f"(pulled: {', '.join(sorted(names)) or 'none'})"
        )
    return f"Ollama at {http.base_url}: {model} pulled"


def _tagged(model: str) -> str:
    return model if ":" in model else f"{model}:latest"  # Ollama's implicit tag


def _client(base_url: str, timeout_s: float, model: str) -> HttpJsonClient:
    return HttpJsonClient(
        provider="Ollama",
        base_url=base_url,
        timeout_s=timeout_s,
        unreachable_hint="is `ollama serve` running there?",
        not_found_hint=f"pull the model first: `ollama pull {model}`",
    )
