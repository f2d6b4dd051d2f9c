"""A bounded background worker that ingests uploaded files one at a time, recording progress in ingestion_jobs."""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass

from ragops.config import ChunkingSettings
from ragops.errors import IngestError, OverloadedError, RagopsError
from ragops.ingest.pipeline import ingest_documents
from ragops.ingest.sources.uploads import SOURCE, read_upload
from ragops.providers.base import Embedder
from ragops.store import collections as collections_repo
from ragops.store import documents as documents_repo
from ragops.store import jobs as jobs_repo
from ragops.store.database import Database

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Upload:
    job_id: int
    collection: str
    filename: str
    raw: bytes


class IngestionWorker:
    """One thread, a queue of at most `max_queued` uploads (held in memory until ingested)."""

    def __init__(self, db: Database, embedder: Embedder, chunking: ChunkingSettings, max_queued: int) -> None:
        self.db = db
        self.embedder = embedder
        self.chunking = chunking
        self._queue: queue.Queue[_Upload | None] = queue.Queue(maxsize=max_queued)
        self._thread = threading.Thread(target=self._run, name="ragops-ingest", daemon=True)

    def start(self) -> None:
        with self.db.connection() as conn:
            abandoned = jobs_repo.fail_abandoned_jobs(conn)
        if abandoned:
            logger.warning("%d ingestion job(s) from a previous server were marked failed", abandoned)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Finish the job in hand; queued ones are marked failed at the next start."""
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            self._drain()
            self._queue.put(None)
        self._thread.join(timeout_s)

    def submit(self, collection: str, filename: str, raw: bytes) -> jobs_repo.Job:
        with self.db.connection() as conn:
            job = jobs_repo.create_job(conn, collection, filename)
            try:
                self._queue.put_nowait(_Upload(job.id, collection, filename, raw))
            except queue.Full:
                jobs_repo.finish_job(conn, job.id, error="the ingestion queue was full")
                raise OverloadedError(
                    f"{self._queue.maxsize} uploads are already waiting to be ingested; retry in a minute"
                ) from None
        return job

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def _run(self) -> None:
        while (upload := self._queue.get()) is not None:
            try:
                self._ingest(upload)
            except Exception as exc:  # the worker outlives any one bad upload; the job records why
                logger.exception("ingestion job %d failed", upload.job_id)
                self._finish(upload.job_id, error=f"internal error ({type(exc).__name__}: {exc})")

    def _ingest(self, upload: _Upload) -> None:
        with self.db.connection() as conn:
            jobs_repo.start_job(conn, upload.job_id)
        document = read_upload(upload.raw, upload.filename)
        if isinstance(document, IngestError):
            self._finish(upload.job_id, error=str(document))
            return

        def progress(documents: int, chunks: int, total: int) -> None:
            with self.db.connection() as conn:
                jobs_repo.record_progress(conn, upload.job_id, total=total, documents=documents, chunks=chunks)

        try:
            report = ingest_documents(
                self.db,
                self.embedder,
                [document],
                collection=upload.collection,
                source=SOURCE,
                location=f"upload:{upload.filename}",
                chunking=self.chunking,
                on_progress=progress,
            )
        except RagopsError as exc:
            self._finish(upload.job_id, error=str(exc))
            return
        if report.counts.documents_duplicate:
            self._finish(upload.job_id, error="the same text is already stored in this collection under another name")
            return
        with self.db.connection() as conn:
            target = collections_repo.require_collection(conn, upload.collection)
            stored = documents_repo.stored_documents(conn, target.id, [(SOURCE, upload.filename)])
        self._finish(upload.job_id, document_id=stored[(SOURCE, upload.filename)].id)

    def _finish(self, job_id: int, *, document_id: int | None = None, error: str | None = None) -> None:
        with self.db.connection() as conn:
            jobs_repo.finish_job(conn, job_id, document_id=document_id, error=error)
