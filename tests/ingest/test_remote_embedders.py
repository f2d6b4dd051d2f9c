"""A remote embedder ingests and searches like the local one, and never writes into another embedder's index."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from itertools import islice

import pytest

from ragops.config import OllamaEmbedderSettings
from ragops.errors import EmbedderMismatchError
from ragops.ingest.pipeline import ingest_documents
from ragops.ingest.sources.arxiv_jsonl import read_arxiv_jsonl
from ragops.providers.ollama import OllamaEmbedder
from ragops.runtime import Runtime
from tests.conftest import ARXIV_SAMPLE, ask
from tests.fakes.ollama import EMBED_DIMENSION, FakeOllama


@pytest.fixture
def ollama_embedder() -> Iterator[OllamaEmbedder]:
    with FakeOllama() as server:
        yield OllamaEmbedder(
            OllamaEmbedderSettings(kind="ollama", base_url=server.url, model="nomic-embed-text", batch_size=64)
        )


def ingest(runtime: Runtime, embedder: OllamaEmbedder, collection: str, papers: int = 12) -> int:
    """A few papers: enough to search, few enough to leave the shared chunks table (and its plans) as it was."""
    report = ingest_documents(
        runtime.db,
        embedder,
        islice(read_arxiv_jsonl(ARXIV_SAMPLE), papers),
        collection=collection,
        source="arxiv-jsonl",
        location=str(ARXIV_SAMPLE),
        chunking=runtime.settings.chunking,
    )
    return report.counts.chunks_embedded


def test_ollama_vectors_go_into_a_collection_of_their_own(
    runtime: Runtime, ollama_embedder: OllamaEmbedder, collection_name: str
) -> None:
    # when
    chunks = ingest(runtime, ollama_embedder, collection_name)
    # then: searchable with the same embedder, refused with the local one
    assert chunks >= 12
    pipeline = replace(
        runtime.pipeline(), embedder=ollama_embedder, searcher=runtime.searcher(embedder=ollama_embedder)
    )
    found = pipeline.searcher.search(ask("dense retrieval", collection=collection_name, mode="dense", top_k=3))
    assert len(found.candidates) == 3
    with pytest.raises(EmbedderMismatchError, match=f"ollama/nomic-embed-text \\(dimension {EMBED_DIMENSION}\\)"):
        runtime.pipeline().searcher.search(ask("dense retrieval", collection=collection_name))


def test_an_index_built_by_another_embedder_is_refused(
    runtime: Runtime, ollama_embedder: OllamaEmbedder, sample_collection: str
) -> None:
    with pytest.raises(EmbedderMismatchError, match="was indexed with sentence-transformers/all-MiniLM-L6-v2"):
        ingest(runtime, ollama_embedder, sample_collection)
