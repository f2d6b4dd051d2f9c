"""A scripted stand-in for an external chat model: it replies from a list, or fails like a provider."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from ragops.errors import ProviderError
from ragops.providers.base import ChatMessage, Completion, StreamEvent, TextDelta


class ScriptedChatModel:
    """Implements the ChatModel Protocol; `reply` maps the user prompt to text, or raises."""

    model_id = "fake/scripted"
    context_window = 2048

    def __init__(self, reply: Callable[[str], str]) -> None:
        self._reply = reply
        self.prompts: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Completion:
        prompt = messages[-1].content
        self.prompts.append(prompt)
        text = self._reply(prompt)
        return Completion(
            text, self.model_id, self.count_tokens(prompt), self.count_tokens(text), "stop", "scripted", 0.0
        )

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Iterator[StreamEvent]:
        """The reply word by word, then its Completion, as a streaming provider sends it."""
        completion = self.complete(messages, max_tokens=max_tokens, temperature=temperature)
        words = completion.text.split(" ")
        for n, word in enumerate(words):
            yield TextDelta(word if n == len(words) - 1 else word + " ")
        yield completion

    def check(self) -> str:
        return "scripted replies"


def failing(prompt: str) -> str:
    raise ProviderError("fake provider: connection refused")
