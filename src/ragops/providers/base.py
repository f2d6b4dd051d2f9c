"""The small interfaces every model provider implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np


class Embedder(Protocol):
    """Turns text into unit-length vectors; also exposes its tokenizer so chunks fit its window."""

    model_id: str
    dimension: int
    max_sequence_tokens: int  # content tokens per input, special tokens excluded

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character (start, end) of each token of `text`, in the embedder's own tokenizer."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dimension), rows L2-normalised."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """float32 vector (dimension,), L2-normalised."""
        ...


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class Completion:
    text: str
    model_id: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str


class ChatModel(Protocol):
    model_id: str
    context_window: int  # tokens, prompt and completion together

    def count_tokens(self, text: str) -> int: ...

    def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Completion:
        """One whole completion; raises ProviderError (ProviderTimeout past the configured timeout)."""
        ...
