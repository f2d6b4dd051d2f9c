"""Documents and their chunks: what ingestion reads to plan, and the atomic write of a batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from psycopg.types.json import Jsonb

from ragops.store.connection import Connection

DocumentKey = tuple[str, str]  # (source, source_id)


@dataclass(frozen=True)
class StoredDocument:
    id: int
    content_hash: str


@dataclass(frozen=True)
class ChunkRow:
    ordinal: int
    heading: str
    text: str
    token_count: int
    content_hash: str
    embedding: np.ndarray


@dataclass(frozen=True)
class DocumentFields:
    """What a stored document says about itself: written by ingestion, read back by the catalog and the API."""

    source: str
    source_id: str
    title: str
    uri: str | None
    published: date | None
    metadata: dict[str, Any]


@dataclass(frozen=True)
class DocumentRow(DocumentFields):
    content_hash: str
    text_hash: str
    chunks: list[ChunkRow]


def count_documents(conn: Connection, *, collection_id: int) -> int:
    row = conn.execute("SELECT count(*) FROM documents WHERE collection_id = %s", (collection_id,)).fetchone()
    return int(row[0]) if row else 0


def stored_documents(
    conn: Connection, collection_id: int, keys: Sequence[DocumentKey]
) -> dict[DocumentKey, StoredDocument]:
    rows = conn.execute(
        "SELECT d.source, d.source_id, d.id, d.content_hash FROM documents d"
        " JOIN unnest(%s::text[], %s::text[]) AS k(source, source_id)"
        "   ON d.source = k.source AND d.source_id = k.source_id"
        " WHERE d.collection_id = %s",
        ([k[0] for k in keys], [k[1] for k in keys], collection_id),
    ).fetchall()
    return {(r[0], r[1]): StoredDocument(r[2], r[3]) for r in rows}


def stored_text_hashes(conn: Connection, collection_id: int, hashes: Sequence[str]) -> dict[str, DocumentKey]:
    """Which of these document texts already exist, under which key."""
    rows = conn.execute(
        "SELECT text_hash, source, source_id FROM documents WHERE collection_id = %s AND text_hash = ANY(%s)",
        (collection_id, list(hashes)),
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def stored_embeddings(conn: Connection, collection_id: int, chunk_hashes: Sequence[str]) -> dict[str, np.ndarray]:
    """Embeddings of identical chunk texts already in the collection, so they are not computed again."""
    rows = conn.execute(
        "SELECT DISTINCT ON (content_hash) content_hash, embedding FROM chunks"
        " WHERE collection_id = %s AND content_hash = ANY(%s)",
        (collection_id, list(chunk_hashes)),
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def write_documents(conn: Connection, collection_id: int, documents: Sequence[DocumentRow]) -> None:
    """Insert or replace documents with all their chunks in one transaction: all or nothing."""
    with conn.transaction():
        document_ids: list[int] = []
        for doc in documents:
            row = conn.execute(
                "INSERT INTO documents (collection_id, source, source_id, title, uri, published, metadata,"
                " content_hash, text_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (collection_id, source, source_id) DO UPDATE SET title = EXCLUDED.title,"
                " uri = EXCLUDED.uri, published = EXCLUDED.published, metadata = EXCLUDED.metadata,"
                " content_hash = EXCLUDED.content_hash, text_hash = EXCLUDED.text_hash, updated_at = now()"
                " RETURNING id",
                (
                    collection_id,
                    doc.source,
                    doc.source_id,
                    doc.title,
                    doc.uri,
                    doc.published,
                    Jsonb(doc.metadata),
                    doc.content_hash,
                    doc.text_hash,
                ),
            ).fetchone()
            assert row is not None
            document_ids.append(row[0])
        conn.execute("DELETE FROM chunks WHERE document_id = ANY(%s)", (document_ids,))
        with conn.cursor().copy(
            "COPY chunks (document_id, collection_id, ordinal, heading, text, token_count, content_hash, embedding)"
            " FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "int4", "int4", "text", "text", "int4", "text", "vector"])
            for document_id, doc in zip(document_ids, documents, strict=True):
                for chunk in doc.chunks:
                    copy.write_row(
                        (
                            document_id,
                            collection_id,
                            chunk.ordinal,
                            chunk.heading,
                            chunk.text,
                            chunk.token_count,
                            chunk.content_hash,
                            chunk.embedding,
                        )
                    )


def analyze_chunks(conn: Connection) -> None:
    """Refresh the planner's statistics on chunks: after a bulk load they describe a much smaller table."""
    conn.execute("ANALYZE chunks")


def delete_documents_except(conn: Connection, collection_id: int, source: str, keep: Sequence[str]) -> int:
    """Remove the source's documents (chunks by cascade) whose source_id is not in `keep`; how many went."""
    cursor = conn.execute(
        "DELETE FROM documents WHERE collection_id = %s AND source = %s AND NOT (source_id = ANY(%s))",
        (collection_id, source, list(keep)),
    )
    return cursor.rowcount
