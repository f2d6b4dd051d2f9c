"""What every remote embedder shares: batching, unit-length rows, a dimension learnt on first use."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from ragops.errors import ProviderError
from ragops.providers.approx_tokens import word_spans

_PROBE_TEXT = "dimension probe"


class RemoteEmbedder(ABC):
    """Subclasses implement `_embed_batch` (one request) and `check`."""

    def __init__(self, *, model_id: str, batch_size: int, max_input_tokens: int, dimension: int | None) -> None:
        self._model_id = model_id
        self._batch_size = batch_size
        self._max_input_tokens = max_input_tokens
        self._dimension = dimension

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        # Asked lazily so that building the embedder (server start-up, `models list`) needs no network.
        if self._dimension is None:
            self._dimension = len(self._embed_batch([_PROBE_TEXT])[0])
        return self._dimension

    @property
    def max_sequence_tokens(self) -> int:
        return self._max_input_tokens

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        return word_spans(text)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            batch = list(texts[start : start + self._batch_size])
            vectors = self._embed_batch(batch)
            if len(vectors) != len(batch):
                raise ProviderError(f"{self.model_id} returned {len(vectors)} vectors for {len(batch)} texts")
            rows.extend(vectors)
        if not rows:
            return np.empty((0, self.dimension), dtype=np.float32)
        matrix = np.asarray(rows, dtype=np.float32)
        if self._dimension is None and matrix.ndim == 2:
            self._dimension = matrix.shape[1]  # learnt from real output: no probe request needed
        if matrix.ndim != 2 or matrix.shape[1] != self.dimension:
            raise ProviderError(
                f"{self.model_id} returned vectors of shape {matrix.shape[1:]} but the embedder has dimension "
                f"{self.dimension}; set the embedder's dimensions to what the model produces"
            )
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        if np.any(norms == 0):
            raise ProviderError(f"{self.model_id} returned an all-zero vector")
        unit: np.ndarray = matrix / norms  # cosine search expects unit rows; not every provider normalises
        return unit

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.embed_documents([text])[0]
        return vector

    @abstractmethod
    def _embed_batch(self, texts: list[str]) -> list[list[float]]:
        """One request: a raw vector per text, in order; raises ProviderError."""

    @abstractmethod
    def check(self) -> str: ...
