"""POST /v1/retrieve: passages of one collection only, through the configured search stages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ragops.api.app import create_app
from ragops.config import Settings
from ragops.evaluation.beir import load_beir_dataset
from ragops.evaluation.retrieval_bench import ingest_dataset
from ragops.runtime import Runtime
from tests.conftest import DATA


@pytest.fixture(scope="module")
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(settings, runtime)) as opened:
        yield opened


def test_retrieve_returns_passages_of_the_named_collection_only(
    client: TestClient, runtime: Runtime, settings: Settings, sample_collection: str
) -> None:
    # given: a second, unrelated collection beside the sample
    dataset = load_beir_dataset(DATA / "beir_tiny", "test")
    ingest_dataset(runtime.db, runtime.embedder, dataset, collection="test-retrieve-other", chunking=settings.chunking)
    with runtime.db.connection() as conn:
        sample_ids = {
            r[0]
            for r in conn.execute(
                "SELECT d.id FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = %s",
                (sample_collection,),
            )
        }
    # when
    response = client.post(
        "/v1/retrieve", json={"question": "graph retrieval for RAG", "collection": sample_collection, "top_k": 5}
    )
    # then
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["collection"] == sample_collection and len(body["passages"]) == 5
    assert {p["document_id"] for p in body["passages"]} <= sample_ids
    assert all(p["source_id"] and p["text"] for p in body["passages"])
    assert {"embed_query", "dense", "keyword", "fuse"} <= set(body["timings_ms"])


def test_retrieve_rejects_an_empty_question(client: TestClient) -> None:
    response = client.post("/v1/retrieve", json={"question": "   "})
    assert response.status_code == 422
    assert "question is empty" in response.json()["detail"]
