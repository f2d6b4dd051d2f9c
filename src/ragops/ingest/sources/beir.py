"""A BEIR-format corpus: corpus.jsonl with {"_id", "title", "text", "metadata"} per line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ragops.errors import IngestError
from ragops.ingest.sources.jsonl import read_jsonl_documents
from ragops.types import SourceDocument

SOURCE = "beir"


def read_beir_corpus(path: Path) -> Iterator[SourceDocument | IngestError]:
    """One document per valid line (source_id = _id); a malformed line yields an IngestError."""
    return read_jsonl_documents(path, _document, "a BEIR corpus record")


def _document(record: dict[str, object]) -> SourceDocument:
    doc_id = str(record["_id"]).strip()
    text = str(record["text"])
    if not doc_id or not text.strip():
        raise ValueError("empty _id or text")
    metadata = record.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise TypeError("metadata must be an object")
    return SourceDocument(
        source=SOURCE, source_id=doc_id, title=str(record.get("title") or ""), text=text, metadata=metadata
    )
