"""What the HTTP chat providers share: one request per call, retried; a stream restarted only before output."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any

from ragops.config import OllamaChatSettings, OpenAIChatSettings
from ragops.providers.approx_tokens import estimate_tokens
from ragops.providers.base import ChatMessage, Completion, StreamEvent
from ragops.providers.http_client import HttpJsonClient
from ragops.providers.retry import call_with_retries, stream_with_retries


class HttpChatModel(ABC):
    """Subclasses say where to post (`chat_path`), what to send, and how to read the reply and the stream."""

    provider: str
    chat_path: str

    def __init__(self, settings: OllamaChatSettings | OpenAIChatSettings, http: HttpJsonClient) -> None:
        self._settings = settings
        self._http = http
        self.model_id = f"{self.provider}/{settings.model}"
        self.context_window = settings.context_window

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Completion:
        started = time.perf_counter()
        body = self._body(messages, max_tokens, temperature, stream=False)
        reply = call_with_retries(
            lambda: self._http.post_json(self.chat_path, body), self._settings.retry, what=self.model_id
        )
        return self._read_reply(reply, messages, started)

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Iterator[StreamEvent]:
        started = time.perf_counter()
        body = self._body(messages, max_tokens, temperature, stream=True)
        lines = stream_with_retries(
            lambda: self._http.stream_lines(self.chat_path, body), self._settings.retry, what=self.model_id
        )
        return self._read_stream(lines, messages, started)

    @abstractmethod
    def _body(self, messages: Sequence[ChatMessage], max_tokens: int, temperature: float, *, stream: bool) -> Any: ...

    @abstractmethod
    def _read_reply(self, reply: Any, messages: Sequence[ChatMessage], started: float) -> Completion: ...

    @abstractmethod
    def _read_stream(
        self, lines: Iterator[str], messages: Sequence[ChatMessage], started: float
    ) -> Iterator[StreamEvent]: ...

    @abstractmethod
    def check(self) -> str: ...
