"""The stored documents as the API and the MCP server offer them: browse, read and delete documents, list
collections, follow uploads."""

from __future__ import annotations

from dataclasses import dataclass

from ragops.rag.context import join_overlapping
from ragops.store import catalog
from ragops.store import jobs as jobs_repo
from ragops.store.catalog import CollectionSummary, DocumentSummary
from ragops.store.database import Database


@dataclass(frozen=True)
class CatalogService:
    """Each call on its own pooled connection; an unknown id raises NotFoundError."""

    db: Database

    def list_documents(
        self, *, collection: str | None, source: str | None, limit: int, offset: int
    ) -> tuple[list[DocumentSummary], int]:
        """One page of documents (newest first) and the total that match."""
        with self.db.connection() as conn:
            return catalog.list_documents(conn, collection=collection, source=source, limit=limit, offset=offset)

    def get_document(self, document_id: int) -> DocumentSummary:
        with self.db.connection() as conn:
            return catalog.get_document(conn, document_id)

    def read_document(self, document_id: int) -> tuple[DocumentSummary, str]:
        """The document and its text, rebuilt from its chunks (documents keep no copy of their own)."""
        with self.db.connection() as conn:
            found = catalog.get_document(conn, document_id)
            return found, join_overlapping(catalog.document_chunk_texts(conn, document_id))

    def delete_document(self, document_id: int) -> None:
        """The document and its chunks: it stops appearing in answers at once."""
        with self.db.connection() as conn:
            catalog.delete_document(conn, document_id)

    def list_collections(self) -> list[CollectionSummary]:
        with self.db.connection() as conn:
            return catalog.list_collections(conn)

    def get_job(self, job_id: int) -> jobs_repo.Job:
        """An upload's ingestion job: status, progress, the stored document or the error."""
        with self.db.connection() as conn:
            return jobs_repo.get_job(conn, job_id)
