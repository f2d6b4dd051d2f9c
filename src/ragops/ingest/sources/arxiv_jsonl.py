"""arXiv metadata as JSON lines: {"id", "title", "abstract", "authors", "categories", "published"}."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from ragops.errors import IngestError
from ragops.types import SourceDocument

SOURCE = "arxiv"


def read_arxiv_jsonl(path: Path) -> Iterator[SourceDocument | IngestError]:
    """One document per valid line; a malformed line yields an IngestError and reading goes on."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
                yield _document(record)
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                yield IngestError(f"not an arXiv record ({type(exc).__name__}: {exc})", source=where)


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
