"""The raw document store: what collectors fetched, written once per content, read back for ingestion."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from psycopg.types.json import Jsonb

from ragops.store.connection import Connection
from ragops.types import RawDocument

_COLUMNS = "collection, source_kind, source_id, uri, fetched_at, content_type, title, body, metadata"


def write_raw_documents(conn: Connection, documents: Sequence[RawDocument]) -> int:
    """Insert what is not stored yet, all in one transaction; the number of rows actually written."""
    written = 0
    with conn.transaction():
        for doc in documents:
            cursor = conn.execute(
                "INSERT INTO raw_documents (collection, source_kind, source_id, uri, fetched_at, content_type,"
                " title, body, metadata, content_hash) VALUES (%s, %s, %s, %s, coalesce(%s, now()), %s, %s, %s, %s, %s)"
                " ON CONFLICT (collection, source_kind, source_id, content_hash) DO NOTHING",
                (
                    doc.collection,
                    doc.source_kind,
                    doc.source_id,
                    doc.uri,
                    doc.fetched_at,
                    doc.content_type,
                    doc.title,
                    doc.body,
                    Jsonb(doc.metadata),
                    doc.content_hash,
                ),
            )
            written += cursor.rowcount
    return written


def latest_raw_documents(conn: Connection, collection: str) -> list[RawDocument]:
    """The newest version of every document in `collection`, by (source kind, source id)."""
    rows = conn.execute(
        f"SELECT DISTINCT ON (source_kind, source_id) {_COLUMNS} FROM raw_documents"  # noqa: S608 (a constant)
        " WHERE collection = %s ORDER BY source_kind, source_id, id DESC",
        (collection,),
    ).fetchall()
    return [_document(row) for row in rows]


def iter_raw_documents(conn: Connection, collection: str | None = None) -> Iterator[RawDocument]:
    """Every stored version, oldest first, streamed; all collections when `collection` is None."""
    cursor = conn.cursor()
    yield from (
        _document(row)
        for row in cursor.stream(
            f"SELECT {_COLUMNS} FROM raw_documents"  # noqa: S608 (a constant)
            " WHERE %(collection)s::text IS NULL OR collection = %(collection)s ORDER BY id",
            {"collection": collection},
        )
    )


def count_raw_documents(conn: Connection, collection: str) -> int:
    row = conn.execute("SELECT count(*) FROM raw_documents WHERE collection = %s", (collection,)).fetchone()
    return int(row[0]) if row else 0


def read_cursor(conn: Connection, collection: str, source_kind: str, query_key: str) -> int | None:
    """Where an unfinished fetch of this query stopped, or None when none is pending."""
    row = conn.execute(
        "SELECT next_start FROM collect_cursors WHERE collection = %s AND source_kind = %s AND query_key = %s",
        (collection, source_kind, query_key),
    ).fetchone()
    return None if row is None else int(row[0])


def save_cursor(conn: Connection, collection: str, source_kind: str, query_key: str, next_start: int) -> None:
    conn.execute(
        "INSERT INTO collect_cursors (collection, source_kind, query_key, next_start) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (collection, source_kind, query_key)"
        " DO UPDATE SET next_start = EXCLUDED.next_start, updated_at = now()",
        (collection, source_kind, query_key, next_start),
    )


def clear_cursor(conn: Connection, collection: str, source_kind: str, query_key: str) -> None:
    conn.execute(
        "DELETE FROM collect_cursors WHERE collection = %s AND source_kind = %s AND query_key = %s",
        (collection, source_kind, query_key),
    )


def _document(row: tuple[Any, ...]) -> RawDocument:
    collection, source_kind, source_id, uri, fetched_at, content_type, title, body, metadata = row
    return RawDocument(
        collection=collection,
        source_kind=source_kind,
        source_id=source_id,
        uri=uri,
        fetched_at=fetched_at,
        content_type=content_type,
        title=title,
        body=body,
        metadata=metadata,
    )


def stored_source_ids(conn: Connection, collection: str, source_kind: str, source_ids: Sequence[str]) -> set[str]:
    """Which of these ids have at least one stored version."""
    rows = conn.execute(
        "SELECT DISTINCT source_id FROM raw_documents WHERE collection = %s AND source_kind = %s"
        " AND source_id = ANY(%s)",
        (collection, source_kind, list(source_ids)),
    ).fetchall()
    return {row[0] for row in rows}
