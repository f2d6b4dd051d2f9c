"""arXiv metadata as JSON lines: {"id", "title", "abstract", "authors", "categories", "published"}."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from ragops.errors import IngestError
from ragops.ingest.sources.jsonl import read_jsonl_documents
from ragops.types import SourceDocument

SOURCE = "arxiv"


def read_arxiv_jsonl(path: Path) -> Iterator[SourceDocument | IngestError]:
    """One document per valid line; a malformed line yields an IngestError and reading goes on."""
    return read_jsonl_documents(path, _document, "an arXiv record")


def _document(record: dict[str, Any]) -> SourceDocument:
    arxiv_id = str(record["id"]).strip()
    title, abstract = str(record["title"]), str(record["abstract"])
    if not arxiv_id or not abstract.strip():
        raise ValueError("empty id or abstract")
    published = record.get("published")
    return SourceDocument(
        source=SOURCE,
        source_id=arxiv_id,
        title=title,
        text=abstract,
        uri=f"https://arxiv.org/abs/{arxiv_id}",
        published=date.fromisoformat(str(published)) if published else None,
        metadata={
            "authors": list(record.get("authors") or []),
            "categories": list(record.get("categories") or []),
        },
    )
