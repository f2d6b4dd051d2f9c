"""The raw document store as a source: the latest version of each fetched document, text extracted by type."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from ragops.errors import IngestError
from ragops.ingest.sources.main_content import extract_main_content
from ragops.store.database import Database
from ragops.store.raw_documents import latest_raw_documents
from ragops.types import RawDocument, SourceDocument


def read_raw_store(db: Database, collection: str) -> list[SourceDocument | IngestError]:
    """Every document of `collection` in the raw store, newest version, as the feature pipeline takes it."""
    with db.connection() as conn:
        stored = latest_raw_documents(conn, collection)
    return list(_documents(stored))


def _documents(stored: list[RawDocument]) -> Iterator[SourceDocument | IngestError]:
    for raw in stored:
        where = f"raw {raw.source_kind}:{raw.source_id}"
        extract = _EXTRACTORS.get(raw.content_type)
        if extract is None:
            supported = ", ".join(sorted(_EXTRACTORS))
            yield IngestError(f"content type {raw.content_type!r} has no reader; store one of {supported}", where)
            continue
        text = extract(raw.body, where)
        if isinstance(text, IngestError):
            yield text
            continue
        published = raw.metadata.get("published")
        yield SourceDocument(
            source=raw.source_kind,
            source_id=raw.source_id,
            title=raw.title,
            text=text,
            uri=raw.uri,
            published=date.fromisoformat(str(published)[:10]) if published else None,
            metadata=raw.metadata,
        )


def _plain(body: str, where: str) -> str | IngestError:
    return body if body.strip() else IngestError("empty text", where)


_EXTRACTORS: dict[str, Callable[[str, str], str | IngestError]] = {
    "text/plain": _plain,
    "text/markdown": _plain,
    "text/html": extract_main_content,
}
