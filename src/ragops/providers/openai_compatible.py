"""OpenAI-compatible servers (OpenAI, vLLM, LM Studio, llama.cpp server): /chat/completions (SSE), /embeddings."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import SecretStr

from ragops.config import OpenAIChatSettings, OpenAIEmbedderSettings
from ragops.errors import ModelNotFoundError, ProviderUnavailable
from ragops.providers.approx_tokens import estimate_tokens
from ragops.providers.base import ChatMessage, Completion, StreamEvent, TextDelta
from ragops.providers.http_chat import HttpChatModel
from ragops.providers.http_client import HttpJsonClient, decode_json_line, error_message, json_field
from ragops.providers.remote_embedder import RemoteEmbedder
from ragops.providers.retry import call_with_retries

PROVIDER = "openai"
_SSE_DATA = "data:"
_SSE_DONE = "[DONE]"


class OpenAIChatModel(HttpChatModel):
    provider = PROVIDER
    chat_path = "/chat/completions"

    def __init__(self, settings: OpenAIChatSettings) -> None:
        super().__init__(settings, _client(settings.base_url, settings.timeout_s, settings.model, settings.api_key))

    def _read_reply(self, reply: Any, messages: Sequence[ChatMessage], started: float) -> Completion:
        choice = json_field(reply, "choices", 0, where=self.model_id)
        text = str(json_field(choice, "message", "content", where=self.model_id) or "")
        return self._completion(text, choice.get("finish_reason"), reply.get("usage"), messages, started)

    def _read_stream(
        self, lines: Iterator[str], messages: Sequence[ChatMessage], started: float
    ) -> Iterator[StreamEvent]:
        parts: list[str] = []
        finish_reason: str | None = None
        usage: Any = None
        for line in lines:
            if not line.startswith(_SSE_DATA):
                continue  # SSE comments (keep-alives), event names, ids
            data = line[len(_SSE_DATA) :].strip()
            if data == _SSE_DONE:
                yield self._completion("".join(parts), finish_reason, usage, messages, started)
                return
            chunk = decode_json_line(data, self.model_id)
            if "error" in chunk:
                raise ProviderUnavailable(f"{self.model_id} failed mid-answer: {error_message(data.encode('utf-8'))}")
            usage = chunk.get("usage") or usage  # the last chunk, with stream_options.include_usage
            for choice in chunk.get("choices") or []:
                text = (choice.get("delta") or {}).get("content")
                if text:
                    parts.append(text)
                    yield TextDelta(text)
                finish_reason = choice.get("finish_reason") or finish_reason
        raise ProviderUnavailable(f"{self.model_id} closed the stream before `data: [DONE]`")

    def check(self) -> str:
        return check_listed(self._http, self._settings.model)

    def _body(self, messages: Sequence[ChatMessage], max_tokens: int, temperature: float, *, stream: bool) -> Any:
        body: dict[str, Any] = {
            "model": self._settings.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": stream,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body

    def _completion(
        self, text: str, finish_reason: Any, usage: Any, messages: Sequence[ChatMessage], started: float
    ) -> Completion:
        # Servers that send no usage get our estimate rather than a misleading zero.
        usage = usage or {}
        prompt_tokens = usage.get("prompt_tokens")
        completion_tokens = usage.get("completion_tokens")
        return Completion(
            text=text.strip(),
            model_id=self.model_id,
            prompt_tokens=int(
                prompt_tokens if prompt_tokens is not None else sum(estimate_tokens(m.content) for m in messages)
            ),
            completion_tokens=int(completion_tokens if completion_tokens is not None else estimate_tokens(text)),
            finish_reason=str(finish_reason or "stop"),
            provider=PROVIDER,
            latency_ms=(time.perf_counter() - started) * 1000.0,
        )


class OpenAIEmbedder(RemoteEmbedder):
    def __init__(self, settings: OpenAIEmbedderSettings) -> None:
        super().__init__(
            model_id=f"{PROVIDER}/{settings.model}",
            batch_size=settings.batch_size,
            max_input_tokens=settings.max_input_tokens,
            dimension=settings.dimensions,
        )
        self._settings = settings
        self._http = _client(settings.base_url, settings.timeout_s, settings.model, settings.api_key)

    def _embed_batch(self, texts: list[str]) -> list[list[float]]:
        body: dict[str, Any] = {"model": self._settings.model, "input": texts, "encoding_format": "float"}
        if self._settings.dimensions is not None:
            body["dimensions"] = self._settings.dimensions
        reply = call_with_retries(
            lambda: self._http.post_json("/embeddings", body), self._settings.retry, what=self.model_id
        )
        rows = json_field(reply, "data", where=self.model_id)
        ordered = sorted(rows, key=lambda row: int(row.get("index", 0)))
        return [list(json_field(row, "embedding", where=self.model_id)) for row in ordered]

    def check(self) -> str:
        return check_listed(self._http, self._settings.model)


def check_listed(http: HttpJsonClient, model: str) -> str:
    """Raises ModelNotFoundError when the server's /models does not list `model`."""
    listed = json_field(http.get_json("/models"), "data", where=f"{http.base_url}/models")
    ids = sorted(str(entry.get("id")) for entry in listed)
    if model not in ids:
        raise ModelNotFoundError(
            f"{http.base_url} does not serve model {model!r}; it lists: {', '.join(ids) or 'none'}"
        )
    return f"OpenAI-compatible server at {http.base_url}: {model} listed"


def _client(base_url: str, timeout_s: float, model: str, api_key: SecretStr | None) -> HttpJsonClient:
    headers = {"Authorization": f"Bearer {api_key.get_secret_value()}"} if api_key is not None else None
    return HttpJsonClient(
        provider="OpenAI-compatible server",
        base_url=base_url,
        timeout_s=timeout_s,
        unreachable_hint="is the server running, and does base_url end in /v1?",
        not_found_hint=f"check the model name {model!r} and that base_url ends in /v1",
        headers=headers,
    )
