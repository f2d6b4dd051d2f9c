"""A chain of chat models: a request moves to the next one when a provider fails before its first token."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from ragops.errors import ProviderError
from ragops.providers.base import ChatMessage, ChatModel, Completion, StreamEvent, TextDelta

log = logging.getLogger(__name__)


class FallbackChatModel:
    """Tries `models` in order. Output already streamed cannot be taken back, so a failure after the
    first token propagates; before it, the next model gets the request."""

    def __init__(self, models: Sequence[ChatModel]) -> None:
        if not models:
            raise ValueError("a fallback chain needs at least one chat model")
        self._models = list(models)
        self.model_id = " -> ".join(m.model_id for m in self._models)
        # The prompt must fit whichever model ends up answering it.
        self.context_window = min(m.context_window for m in self._models)

    @property
    def models(self) -> list[ChatModel]:
        return list(self._models)

    def count_tokens(self, text: str) -> int:
        return max(m.count_tokens(text) for m in self._models)

    def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Completion:
        failures: list[ProviderError] = []
        for model in self._models:
            try:
                return model.complete(messages, max_tokens=max_tokens, temperature=temperature)
            except ProviderError as exc:
                failures.append(self._note(model, exc))
        raise self._exhausted(failures)

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Iterator[StreamEvent]:
        failures: list[ProviderError] = []
        for model in self._models:
            started = False
            try:
                for event in model.stream(messages, max_tokens=max_tokens, temperature=temperature):
                    started = started or isinstance(event, TextDelta)
                    yield event
                return
            except ProviderError as exc:
                if started:
                    raise
                failures.append(self._note(model, exc))
        raise self._exhausted(failures)

    def check(self) -> str:
        return "; ".join(f"{m.model_id}: {m.check()}" for m in self._models)

    def _note(self, model: ChatModel, exc: ProviderError) -> ProviderError:
        log.warning("chat provider %s failed before answering (%s); trying the next one", model.model_id, exc)
        return exc

    def _exhausted(self, failures: list[ProviderError]) -> ProviderError:
        """The last failure's type (so the HTTP status matches it), with every provider's reason."""
        last = failures[-1]
        reasons = "; ".join(f"[{n}] {exc}" for n, exc in enumerate(failures, start=1))
        error = type(last)(f"every chat provider failed: {reasons}")
        error.__cause__ = last
        return error
