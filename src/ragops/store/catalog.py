"""Browsing and deleting stored documents; per-collection summaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg import sql

from ragops.errors import NotFoundError
from ragops.store.connection import Connection
from ragops.store.documents import DocumentFields

_SELECT_DOCUMENTS = sql.SQL(  # in DocumentSummary's field order: DocumentFields first
    "SELECT d.source, d.source_id, d.title, d.uri, d.published, d.metadata, d.id, c.name, d.created_at,"
    " d.updated_at, (SELECT count(*) FROM chunks k WHERE k.document_id = d.id)"
    " FROM documents d JOIN collections c ON c.id = d.collection_id"
)
_MATCHING = sql.SQL(
    " WHERE (%(collection)s::text IS NULL OR c.name = %(collection)s)"
    " AND (%(source)s::text IS NULL OR d.source = %(source)s)"
)


@dataclass(frozen=True)
class DocumentSummary(DocumentFields):
    id: int
    collection: str
    created_at: datetime
    updated_at: datetime
    chunks: int


@dataclass(frozen=True)
class CollectionSummary:
    name: str
    documents: int
    chunks: int
    embedder_id: str | None


def list_documents(
    conn: Connection, *, collection: str | None, source: str | None, limit: int, offset: int
) -> tuple[list[DocumentSummary], int]:
    """One page of documents (newest first) and the total that match."""
    params = {"collection": collection, "source": source, "limit": limit, "offset": offset}
    count = sql.SQL("SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id") + _MATCHING
    total_row = conn.execute(count, params).fetchone()
    page = _SELECT_DOCUMENTS + _MATCHING + sql.SQL(" ORDER BY d.id DESC LIMIT %(limit)s OFFSET %(offset)s")
    rows = conn.execute(page, params).fetchall()
    return [DocumentSummary(*row) for row in rows], int(total_row[0]) if total_row else 0


def get_document(conn: Connection, document_id: int) -> DocumentSummary:
    row = conn.execute(_SELECT_DOCUMENTS + sql.SQL(" WHERE d.id = %s"), (document_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"document {document_id} does not exist; GET /v1/documents lists them")
    return DocumentSummary(*row)


def document_chunk_texts(conn: Connection, document_id: int) -> list[str]:
    """The document's chunk texts in document order."""
    rows = conn.execute("SELECT text FROM chunks WHERE document_id = %s ORDER BY ordinal", (document_id,)).fetchall()
    return [row[0] for row in rows]


def delete_document(conn: Connection, document_id: int) -> None:
    """The document and (by cascade) its chunks, in one statement."""
    cursor = conn.execute("DELETE FROM documents WHERE id = %s", (document_id,))
    if cursor.rowcount == 0:
        raise NotFoundError(f"document {document_id} does not exist; GET /v1/documents lists them")


def list_collections(conn: Connection) -> list[CollectionSummary]:
    rows = conn.execute(
        "SELECT c.name,"
        " (SELECT count(*) FROM documents d WHERE d.collection_id = c.id),"
        " (SELECT count(*) FROM chunks k WHERE k.collection_id = c.id),"
        " c.embedder_id"
        " FROM collections c ORDER BY c.name"
    ).fetchall()
    return [CollectionSummary(*row) for row in rows]
