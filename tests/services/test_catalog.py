"""The catalog service over the real database: a document found, listed, deleted; unknown ids are NotFoundError."""

from __future__ import annotations

import pytest

from ragops.errors import NotFoundError
from ragops.ingest.pipeline import ingest_documents
from ragops.runtime import Runtime
from ragops.services.catalog import CatalogService
from ragops.types import SourceDocument


def test_a_document_is_listed_read_and_deleted(runtime: Runtime, collection_name: str) -> None:
    # given: one stored document
    document = SourceDocument("test", "doc-1", "Sparse retrieval", "BM25 weighs terms by their rarity.")
    ingest_documents(
        runtime.db,
        runtime.embedder,
        [document],
        collection=collection_name,
        source="test",
        location="memory",
        chunking=runtime.settings.chunking,
    )
    catalog = CatalogService(runtime.db)
    # when
    found, total = catalog.list_documents(collection=collection_name, source=None, limit=10, offset=0)
    # then
    assert total == 1 and [d.source_id for d in found] == ["doc-1"]
    assert catalog.get_document(found[0].id).title == "Sparse retrieval"
    assert {c.name: c.documents for c in catalog.list_collections()}[collection_name] == 1
    catalog.delete_document(found[0].id)
    with pytest.raises(NotFoundError):
        catalog.get_document(found[0].id)


def test_unknown_ids_are_not_found(runtime: Runtime) -> None:
    catalog = CatalogService(runtime.db)
    with pytest.raises(NotFoundError):
        catalog.get_job(-1)
    with pytest.raises(NotFoundError):
        catalog.delete_document(-1)
