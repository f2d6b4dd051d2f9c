"""Session fixtures: one real embedded PostgreSQL, the real MiniLM embedder and the real SmolLM2 GGUF.

Tests isolate themselves by collection: each one that writes uses a collection of its own.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path

import pytest

from ragops.config import Settings, load_settings
from ragops.ingest.pipeline import IngestReport, ingest_documents
from ragops.ingest.sources.arxiv_jsonl import read_arxiv_jsonl
from ragops.rag.pipeline import QueryPipeline
from ragops.rag.query import resolve_query
from ragops.runtime import Runtime, open_runtime
from ragops.store.server import stop_embedded_server
from ragops.types import Query, RetrievalMode, SearchFilters, Turn

DATA = Path(__file__).parent / "data"
ARXIV_SAMPLE = DATA / "arxiv_sample.jsonl"  # 120 papers from the demo corpus, 40 of them about retrieval/RAG
SAMPLE_COLLECTION = "test-arxiv-sample"
CONFS = Path(__file__).parents[1] / "confs"


@cache
def _profile() -> Settings:
    return load_settings(confs_dir=CONFS)


def ask(
    question: str,
    *,
    collection: str,
    mode: RetrievalMode | None = None,
    top_k: int | None = None,
    filters: SearchFilters | None = None,
    history: Sequence[Turn] = (),
    style: str = "",
) -> Query:
    """A question resolved as the edges resolve it, over the test profile."""
    return resolve_query(
        _profile(),
        question,
        collection=collection,
        mode=mode,
        top_k=top_k,
        filters=filters,
        history=history,
        style=style,
    )


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    # Not pytest's tmp_path: the server runs as another user (`pgserver` under root) and must reach it.
    home = Path(tempfile.mkdtemp(prefix="ragops-test-"))
    loaded = load_settings(confs_dir=CONFS)
    # The suite exercises the LLM path; the default extractive mode has tests of its own (tests/rag/test_answer_modes).
    generative = loaded.answer.model_copy(update={"mode": "generative"})
    yield loaded.model_copy(update={"home": home, "answer": generative})
    stop_embedded_server(home / "pgdata")
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def runtime(settings: Settings) -> Iterator[Runtime]:
    with open_runtime(settings, with_llm=True) as opened:
        yield opened


@pytest.fixture(scope="session")
def pipeline(runtime: Runtime) -> QueryPipeline:
    return runtime.pipeline()


@pytest.fixture(scope="session")
def sequential_pipeline(runtime: Runtime) -> QueryPipeline:
    """The configured pipeline with keyword search after the embedding rather than beside it:
    concurrent stages would make the order of their spans a race."""
    retrieval = runtime.settings.retrieval.model_copy(update={"concurrent_keyword": False})
    return runtime.pipeline(runtime.settings.model_copy(update={"retrieval": retrieval}))


@pytest.fixture(scope="session")
def sample_collection(runtime: Runtime) -> str:
    """The arXiv sample, ingested once for every read-only test."""
    ingest_into(runtime, SAMPLE_COLLECTION)
    return SAMPLE_COLLECTION


@pytest.fixture
def collection_name() -> str:
    """A fresh collection for a test that writes."""
    return f"test-{uuid.uuid4().hex[:10]}"


def ingest_into(runtime: Runtime, collection: str, path: Path = ARXIV_SAMPLE) -> IngestReport:
    return ingest_documents(
        runtime.db,
        runtime.embedder,
        read_arxiv_jsonl(path),
        collection=collection,
        source="arxiv-jsonl",
        location=str(path),
        chunking=runtime.settings.chunking,
    )
