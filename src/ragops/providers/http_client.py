"""JSON over HTTP for the Ollama and OpenAI-compatible providers, with their failures as typed errors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from ragops.errors import (
    ModelNotFoundError,
    ProviderError,
    ProviderRequestError,
    ProviderThrottled,
    ProviderTimeout,
    ProviderUnavailable,
)

_MAX_ERROR_CHARS = 500


class HttpJsonClient:
    """One connection pool per provider instance; every call bounded by `timeout_s` in all."""

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        timeout_s: float,
        unreachable_hint: str,
        not_found_hint: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._provider = provider
        self._timeout_s = timeout_s
        self._unreachable_hint = unreachable_hint
        self._not_found_hint = not_found_hint
        self._client = httpx.Client(base_url=self.base_url, timeout=httpx.Timeout(timeout_s), headers=headers)

    def get_json(self, path: str) -> Any:
        with self._translated(path):
            response = self._client.get(path)
            self._raise_for_status(path, response)
            return _decode(response.content, self._where(path))

    def post_json(self, path: str, body: Mapping[str, Any]) -> Any:
        with self._translated(path):
            response = self._client.post(path, json=body)
            self._raise_for_status(path, response)
            return _decode(response.content, self._where(path))

    def stream_lines(self, path: str, body: Mapping[str, Any]) -> Iterator[str]:
        """Non-empty lines of a streamed response body, as they arrive; the whole stream shares the deadline."""
        deadline = time.monotonic() + self._timeout_s
        with self._translated(path), self._client.stream("POST", path, json=body) as response:
            if response.is_error:
                response.read()
                self._raise_for_status(path, response)
            for line in response.iter_lines():
                if time.monotonic() > deadline:
                    raise self._timeout(path)
                if line.strip():
                    yield line

    def _where(self, path: str) -> str:
        return f"{self._provider} at {self.base_url}{path}"

    def _timeout(self, path: str) -> ProviderTimeout:
        return ProviderTimeout(
            f"{self._where(path)} did not answer within {self._timeout_s:g} s; raise timeout_s or check its load"
        )

    @contextmanager
    def _translated(self, path: str) -> Iterator[None]:
        try:
            yield
        except httpx.TimeoutException as exc:
            raise self._timeout(path) from exc
        except httpx.TransportError as exc:  # refused, reset, or the peer closed mid-body
            raise ProviderUnavailable(f"{self._where(path)} failed: {exc}; {self._unreachable_hint}") from exc

    def _raise_for_status(self, path: str, response: httpx.Response) -> None:
        if not response.is_error:
            return
        status = response.status_code
        message = f"{self._where(path)} answered {status}: {error_message(response.content)}"
        if status == 429:
            raise ProviderThrottled(message)
        if status >= 500:
            raise ProviderUnavailable(message)
        if status == 404:
            raise ModelNotFoundError(f"{message}; {self._not_found_hint}")
        raise ProviderRequestError(message)


def error_message(body: bytes) -> str:
    """The message of an error body: Ollama's {"error": "..."}, OpenAI's {"error": {"message": ...}}, or text."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        return text[:_MAX_ERROR_CHARS] or "(empty body)"
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict):
        error = error.get("message")
    return str(error or text)[:_MAX_ERROR_CHARS]


def decode_json_line(line: str, where: str) -> Any:
    return _decode(line.encode("utf-8"), where)


def _decode(content: bytes, where: str) -> Any:
    try:
        return json.loads(content)
    except ValueError as exc:
        raise ProviderError(f"{where} sent a body that is not JSON: {content[:200]!r}") from exc


def json_field(payload: Any, *keys: str | int, where: str) -> Any:
    """payload[k1][k2]...; a missing key means the server does not speak the protocol we expect."""
    value = payload
    for key in keys:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError) as exc:
            path = "".join(f"[{k!r}]" for k in keys)
            raise ProviderError(f"{where} sent an unexpected body: no {path} in {str(payload)[:200]}") from exc
    return value
