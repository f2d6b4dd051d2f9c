"""Moving a raw store between machines as JSON lines: one raw document (one version) a line."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from ragops.jsonl import read_jsonl
from ragops.store.database import Database
from ragops.store.raw_documents import iter_raw_documents, write_raw_documents
from ragops.types import RawDocument

_BATCH = 500


def export_raw(db: Database, path: Path, collection: str | None = None) -> int:
    """Every stored version (of `collection`, or of all), oldest first; the number of lines written."""
    count = 0
    with db.connection() as conn, path.open("w", encoding="utf-8") as out:
        for doc in iter_raw_documents(conn, collection):
            out.write(json.dumps(_record(doc), ensure_ascii=False) + "\n")
            count += 1
    return count


def import_raw(db: Database, path: Path) -> tuple[int, int]:
    """(lines read, documents written): content already stored is skipped. Every line is checked before
    anything is written, so a bad file changes nothing; ConfigError names the bad line."""
    documents = read_jsonl(
        path, _document, what="raw document export", missing_hint="write one with `ragops raw export FILE`"
    )
    written = 0
    with db.connection() as conn:
        for start in range(0, len(documents), _BATCH):
            written += write_raw_documents(conn, documents[start : start + _BATCH])
    return len(documents), written


def _record(doc: RawDocument) -> dict[str, Any]:
    return {
        "collection": doc.collection,
        "source_kind": doc.source_kind,
        "source_id": doc.source_id,
        "uri": doc.uri,
        "fetched_at": doc.fetched_at.isoformat() if doc.fetched_at else None,
        "content_type": doc.content_type,
        "title": doc.title,
        "body": doc.body,
        "metadata": doc.metadata,
        "content_hash": doc.content_hash,
    }


def _document(record: dict[str, Any]) -> RawDocument:
    metadata = record.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise TypeError("metadata must be an object")
    fetched_at = record.get("fetched_at")
    doc = RawDocument(
        collection=_text(record, "collection"),
        source_kind=_text(record, "source_kind"),
        source_id=_text(record, "source_id"),
        content_type=_text(record, "content_type"),
        body=str(record["body"]),
        title=str(record.get("title") or ""),
        uri=record.get("uri"),
        metadata=metadata,
        fetched_at=datetime.fromisoformat(fetched_at) if fetched_at else None,
    )
    if record.get("content_hash") not in (None, doc.content_hash):
        raise ValueError("content_hash does not match the content: the line was edited or damaged")
    return doc


def _text(record: dict[str, Any], name: str) -> str:
    value = str(record[name]).strip()
    if not value:
        raise ValueError(f"{name} is empty")
    return value
