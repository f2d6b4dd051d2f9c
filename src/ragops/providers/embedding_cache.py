"""Share the question's vector between the denied-topics guard and retrieval: embed it once per request."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from ragops.providers.base import Embedder

QUERY_CACHE_SIZE = 256


class SharedQueryEmbedder:
    """An Embedder that remembers its last query vectors, so a guard and the retriever pay for one encoding."""

    def __init__(self, inner: Embedder, size: int = QUERY_CACHE_SIZE) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.max_sequence_tokens = inner.max_sequence_tokens
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self.inner.dimension  # a remote embedder learns it on first use: ask then, not at start-up

    def check(self) -> str:
        return self.inner.check()

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        return self.inner.token_spans(text)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            if text in self._vectors:
                self._vectors.move_to_end(text)
                return self._vectors[text]
        vector = self.inner.embed_query(text)
        vector.setflags(write=False)  # shared between callers: nobody may change it in place
        with self._lock:
            self._vectors[text] = vector
            if len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return vector
