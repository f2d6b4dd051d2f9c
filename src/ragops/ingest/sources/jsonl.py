"""JSON-lines reading shared by the record-per-line sources."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from ragops.errors import IngestError
from ragops.types import SourceDocument


def read_jsonl_documents(
    path: Path, to_document: Callable[[dict[str, object]], SourceDocument], kind: str
) -> Iterator[SourceDocument | IngestError]:
    """One document per valid line; a malformed line yields an IngestError naming it, and reading goes on."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield to_document(json.loads(line))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                yield IngestError(f"not {kind} ({type(exc).__name__}: {exc})", source=f"{path}:{number}")
