"""Ingestion: clean -> dedup -> chunk -> embed -> write, one atomic transaction per batch of documents.

Re-ingesting unchanged documents embeds nothing; a changed document's chunks are replaced in the
same transaction that updates it; a process killed mid-run loses at most the batch in flight, which
the next run redoes (documents are keyed by (source, source_id), so nothing is duplicated).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TypeVar

from ragops.config import ChunkingSettings
from ragops.errors import IngestError, RagopsError
from ragops.ingest.chunking import chunk_text, content_hash
from ragops.ingest.cleaning import clean_line, clean_text
from ragops.providers.base import Embedder
from ragops.store import collections as collections_repo
from ragops.store import documents as documents_repo
from ragops.store import runs as runs_repo
from ragops.store.connection import Connection
from ragops.store.database import Database
from ragops.store.documents import ChunkRow, DocumentKey, DocumentRow
from ragops.tracing.spans import set_attributes, span, start_trace
from ragops.types import ChunkDraft, SourceDocument

# Below this many new documents, inserting into the live HNSW index costs less than rebuilding it.
BULK_LOAD_MIN_DOCUMENTS = 500
MIN_CHUNK_TOKENS = 32  # floor for the body budget when a title is very long

T = TypeVar("T")

ProgressCallback = Callable[[int, int, int], None]  # (documents done, chunks written) since last call, total


@dataclass
class IngestReport:
    run_id: int
    collection: str
    counts: runs_repo.RunCounts
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def ingest_documents(
    db: Database,
    embedder: Embedder,
    items: Iterable[SourceDocument | IngestError],
    *,
    collection: str,
    source: str,
    location: str,
    chunking: ChunkingSettings,
    batch_documents: int = 64,
    on_progress: ProgressCallback | None = None,
    redact: Callable[[str], str] | None = None,
) -> IngestReport:
    """Ingest `items` into `collection`; source errors are counted and reported, never fatal.

    `redact` (guardrails' PII redaction, by config) rewrites titles and texts before anything is stored.
    The run is one trace, with a span per batch and its embedding time.
    """
    attributes = {"ragops.collection": collection, "ragops.ingest.source": source, "ragops.ingest.location": location}
    with start_trace("ingest", attributes):
        started = time.perf_counter()
        with db.connection() as conn:
            target = collections_repo.get_or_create_collection(conn, collection)
            target = collections_repo.bind_embedder(conn, target, embedder.model_id, embedder.dimension)
            run_id = runs_repo.start_run(conn, target.id, source, location)
        report = IngestReport(run_id=run_id, collection=collection, counts=runs_repo.RunCounts())
        counts = report.counts
        try:
            documents = []
            for item in items:
                if isinstance(item, IngestError):
                    counts.documents_failed += 1
                    report.errors.append(str(item))
                else:
                    documents.append(_normalise(item, redact))
            counts.documents_seen = len(documents) + counts.documents_failed
            with db.connection() as conn:
                pending = _plan(conn, target.id, documents, counts)
                stored_count = documents_repo.count_documents(conn, collection_id=target.id)
            if on_progress:
                on_progress(len(documents) - len(pending), 0, len(documents))
            bulk = len(pending) >= BULK_LOAD_MIN_DOCUMENTS and len(pending) >= stored_count
            if bulk:
                # Load first, index after: COPY into an indexed table was measured ~20x slower.
                with db.connection() as conn:
                    collections_repo.drop_vector_index(conn, target)
            for batch in _batched(pending, batch_documents):
                with span("ingest_batch"), db.connection() as conn:
                    rows = _embed(conn, target.id, embedder, batch, chunking, counts)
                    documents_repo.write_documents(conn, target.id, rows)
                    chunks = sum(len(r.chunks) for r in rows)
                    set_attributes({"ragops.ingest.documents": len(batch), "ragops.ingest.chunks": chunks})
                if on_progress:
                    on_progress(len(batch), chunks, len(documents))
            with db.connection() as conn:
                collections_repo.ensure_vector_index(conn, target)
                if bulk:
                    documents_repo.analyze_chunks(conn)
                runs_repo.finish_run(conn, run_id, counts)
        except BaseException as exc:  # Ctrl-C included: record why the run ended, then let it propagate
            _record_failure(db, run_id, counts, exc)
            raise
        report.seconds = time.perf_counter() - started
        set_attributes({f"ragops.ingest.{name}": value for name, value in asdict(counts).items()})
        set_attributes({"ragops.ingest.run_id": run_id, "ragops.ingest.errors": len(report.errors)})
    return report


def _normalise(document: SourceDocument, redact: Callable[[str], str] | None = None) -> SourceDocument:
    cleaned = replace(document, title=clean_line(document.title), text=clean_text(document.text))
    if redact is None:
        return cleaned
    return replace(cleaned, title=redact(cleaned.title), text=redact(cleaned.text))


@dataclass(frozen=True)
class PlannedDocument:
    document: SourceDocument
    content_hash: str  # everything stored: any change makes the document 'updated'
    text_hash: str  # title and text: equal texts under two ids are duplicates


def plan_document(document: SourceDocument) -> PlannedDocument:
    everything = [document.title, document.text, document.uri, str(document.published), document.metadata]
    return PlannedDocument(
        document=document,
        content_hash=_sha256(json.dumps(everything, sort_keys=True, ensure_ascii=False, default=str)),
        text_hash=_sha256(f"{document.title}\n{document.text}"),
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plan(
    conn: Connection, collection_id: int, documents: Sequence[SourceDocument], counts: runs_repo.RunCounts
) -> list[PlannedDocument]:
    """Documents to (re)write; counts the unchanged and duplicate ones."""
    planned = [plan_document(d) for d in documents]
    stored: dict[DocumentKey, documents_repo.StoredDocument] = {}
    for keys in _batched([(d.source, d.source_id) for d in documents], 1000):
        stored |= documents_repo.stored_documents(conn, collection_id, keys)
    known_texts: dict[str, DocumentKey] = {}
    for hashes in _batched([p.text_hash for p in planned], 1000):
        known_texts |= documents_repo.stored_text_hashes(conn, collection_id, hashes)
    pending: list[PlannedDocument] = []
    for plan in planned:
        key = (plan.document.source, plan.document.source_id)
        previous = stored.get(key)
        if previous is not None and previous.content_hash == plan.content_hash:
            counts.documents_unchanged += 1
        elif known_texts.get(plan.text_hash, key) != key:
            counts.documents_duplicate += 1  # the same text is already stored under another id
        else:
            known_texts[plan.text_hash] = key
            if previous is None:
                counts.documents_added += 1
            else:
                counts.documents_updated += 1
            pending.append(plan)
    return pending


def _embed(
    conn: Connection,
    collection_id: int,
    embedder: Embedder,
    batch: Sequence[PlannedDocument],
    chunking: ChunkingSettings,
    counts: runs_repo.RunCounts,
) -> list[DocumentRow]:
    """Chunk a batch and embed what the collection has not embedded before."""
    drafts = [(plan, _chunks(plan.document, embedder, chunking)) for plan in batch]
    unique: dict[str, str] = {}  # chunk hash -> text to embed
    for plan, chunks in drafts:
        document = plan.document
        for chunk in chunks:
            unique.setdefault(chunk.content_hash, _embedding_input(document.title, chunk.text))
    vectors = documents_repo.stored_embeddings(conn, collection_id, list(unique))
    counts.chunks_reused += len(vectors)
    missing = [h for h in unique if h not in vectors]
    if missing:
        with span("embed", {"ragops.embed.texts": len(missing), "ragops.embed.model": embedder.model_id}):
            computed = embedder.embed_documents([unique[h] for h in missing])
        vectors.update(zip(missing, computed, strict=True))
        counts.chunks_embedded += len(missing)
    return [
        DocumentRow(
            source=plan.document.source,
            source_id=plan.document.source_id,
            title=plan.document.title,
            uri=plan.document.uri,
            published=plan.document.published,
            metadata=plan.document.metadata,
            content_hash=plan.content_hash,
            text_hash=plan.text_hash,
            chunks=[
                ChunkRow(c.ordinal, plan.document.title, c.text, c.token_count, c.content_hash, vectors[c.content_hash])
                for c in chunks
            ],
        )
        for plan, chunks in drafts
    ]


def _chunks(document: SourceDocument, embedder: Embedder, chunking: ChunkingSettings) -> list[ChunkDraft]:
    """Chunks sized so that title + chunk fit the embedder's window; repeated texts dropped."""
    title_tokens = len(embedder.token_spans(document.title)) + 1
    budget = max(MIN_CHUNK_TOKENS, min(chunking.max_tokens, embedder.max_sequence_tokens - title_tokens))
    drafts = chunk_text(document.text, embedder.token_spans(document.text), budget, chunking.overlap_tokens)
    seen: set[str] = set()
    chunks: list[ChunkDraft] = []
    for draft in drafts:
        digest = content_hash(_embedding_input(document.title, draft.text))
        if digest in seen:
            continue
        seen.add(digest)
        chunks.append(replace(draft, ordinal=len(chunks), content_hash=digest))
    return chunks


def _embedding_input(title: str, text: str) -> str:
    """What gets embedded: the title gives a passage its topic."""
    return f"{title}\n{text}" if title else text


def _record_failure(db: Database, run_id: int, counts: runs_repo.RunCounts, exc: BaseException) -> None:
    reason = "interrupted by the user" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"
    try:
        with db.connection() as conn:
            runs_repo.finish_run(conn, run_id, counts, error=reason)
    except RagopsError:
        pass  # the database itself is what failed; the next run marks this one interrupted


def _batched(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """itertools.batched arrives only in Python 3.12."""
    return [items[i : i + size] for i in range(0, len(items), size)]
