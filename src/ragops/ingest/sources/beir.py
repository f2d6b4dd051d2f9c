"""A BEIR-format corpus: corpus.jsonl with {"_id", "title", "text", "metadata"} per line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ragops.errors import IngestError
from ragops.types import SourceDocument

SOURCE = "beir"


def read_beir_corpus(path: Path) -> Iterator[SourceDocument | IngestError]:
    """One document per valid line (source_id = _id); a malformed line yields an IngestError."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield _document(json.loads(line))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                yield IngestError(f"not a BEIR corpus record ({type(exc).__name__}: {exc})", source=f"{path}:{number}")


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
