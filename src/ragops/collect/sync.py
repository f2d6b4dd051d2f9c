"""Folder sync: a collection follows a folder. New and changed files are ingested, deleted files' documents
removed, and unchanged files cost one read and one hash each (no embedding)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ragops.config import ChunkingSettings
from ragops.errors import IngestError
from ragops.ingest.pipeline import IngestReport, ProgressCallback, ingest_documents
from ragops.ingest.sources.files import SOURCE, file_source_id, read_text_files, text_file_paths
from ragops.providers.base import Embedder
from ragops.store import collections as collections_repo
from ragops.store import documents as documents_repo
from ragops.store.database import Database


@dataclass(frozen=True)
class SyncReport:
    ingest: IngestReport  # added, updated, unchanged, failed, chunks embedded
    removed: int


def sync_folder(
    db: Database,
    embedder: Embedder,
    folder: Path,
    *,
    collection: str,
    chunking: ChunkingSettings,
    on_progress: ProgressCallback | None = None,
    redact: Callable[[str], str] | None = None,
) -> SyncReport:
    """Make `collection`'s file documents match `folder`. The collection's "files" documents belong to the
    folder: any whose file is gone is removed (a file that exists but cannot be read keeps its document)."""
    if not folder.is_dir():
        raise IngestError("not a folder; give the folder the collection should follow", str(folder))
    present = [file_source_id(path, folder) for path in text_file_paths(folder)]
    report = ingest_documents(
        db,
        embedder,
        read_text_files(folder),
        collection=collection,
        source=SOURCE,
        location=str(folder),
        chunking=chunking,
        on_progress=on_progress,
        redact=redact,
    )
    with db.connection() as conn:
        target = collections_repo.require_collection(conn, collection)
        removed = documents_repo.delete_documents_except(conn, target.id, SOURCE, present)
    return SyncReport(ingest=report, removed=removed)
