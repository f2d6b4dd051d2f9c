"""The small interfaces every model provider implements."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np


class Embedder(Protocol):
    """Turns text into unit-length vectors; also exposes its tokenizer so chunks fit its window."""

    @property
    def model_id(self) -> str:
        """Provider and model, e.g. `ollama/nomic-embed-text`: stored with a collection's vectors."""
        ...

    @property
    def dimension(self) -> int: ...

    @property
    def max_sequence_tokens(self) -> int:
        """Content tokens per input, special tokens excluded."""
        ...

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character (start, end) of each token of `text`, in the embedder's own tokenizer."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dimension), rows L2-normalised; raises ProviderError."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """float32 vector (dimension,), L2-normalised; raises ProviderError."""
        ...

    def check(self) -> str:
        """A one-line description of the reachable backend; raises ProviderError when it is not."""
        ...


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class Completion:
    """A finished completion: text, token usage, latency, and which provider and model produced it."""

    text: str
    model_id: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    provider: str
    latency_ms: float


@dataclass(frozen=True)
class TextDelta:
    """A piece of a streamed completion, in order; never empty."""

    text: str


StreamEvent = TextDelta | Completion  # a stream is TextDelta* then exactly one Completion


class ChatModel(Protocol):
    @property
    def model_id(self) -> str: ...

    @property
    def context_window(self) -> int:
        """Tokens, prompt and completion together."""
        ...

    def count_tokens(self, text: str) -> int: ...

    def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Completion:
        """One whole completion; raises ProviderError (ProviderTimeout past the configured timeout)."""
        ...

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Iterator[StreamEvent]:
        """TextDelta events as tokens arrive, then the Completion (whole text and usage); raises ProviderError."""
        ...

    def check(self) -> str:
        """A one-line description of the reachable backend; raises ProviderError when it is not."""
        ...
