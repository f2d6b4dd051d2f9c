"""Background ingestion jobs: one row per uploaded file, updated as the worker goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from psycopg import sql

from ragops.errors import NotFoundError
from ragops.store.connection import Connection

JobStatus = Literal["queued", "running", "completed", "failed"]

_COLUMNS = sql.SQL(
    "id, collection, filename, status, documents_total, documents_done, chunks_written, document_id, error,"
    " created_at, started_at, finished_at"
)


@dataclass(frozen=True)
class Job:
    id: int
    collection: str
    filename: str
    status: JobStatus
    documents_total: int
    documents_done: int
    chunks_written: int
    document_id: int | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def create_job(conn: Connection, collection: str, filename: str) -> Job:
    row = conn.execute(
        sql.SQL("INSERT INTO ingestion_jobs (collection, filename) VALUES (%s, %s) RETURNING {}").format(_COLUMNS),
        (collection, filename),
    ).fetchone()
    assert row is not None
    return Job(*row)


def get_job(conn: Connection, job_id: int) -> Job:
    query = sql.SQL("SELECT {} FROM ingestion_jobs WHERE id = %s").format(_COLUMNS)
    row = conn.execute(query, (job_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"job {job_id} does not exist; POST /v1/documents returns the id of a new one")
    return Job(*row)


def start_job(conn: Connection, job_id: int) -> None:
    conn.execute("UPDATE ingestion_jobs SET status = 'running', started_at = now() WHERE id = %s", (job_id,))


def record_progress(conn: Connection, job_id: int, *, total: int, documents: int, chunks: int) -> None:
    """Add `documents` and `chunks` done since the last call."""
    conn.execute(
        "UPDATE ingestion_jobs SET documents_total = %s, documents_done = documents_done + %s,"
        " chunks_written = chunks_written + %s WHERE id = %s",
        (total, documents, chunks, job_id),
    )


def finish_job(conn: Connection, job_id: int, *, document_id: int | None = None, error: str | None = None) -> None:
    conn.execute(
        "UPDATE ingestion_jobs SET status = %s, document_id = %s, error = %s, finished_at = now() WHERE id = %s",
        ("failed" if error else "completed", document_id, error, job_id),
    )


def fail_abandoned_jobs(conn: Connection) -> int:
    """Jobs left queued or running by a server that stopped: their upload is gone with it."""
    cursor = conn.execute(
        "UPDATE ingestion_jobs SET status = 'failed', finished_at = now(),"
        " error = 'the server stopped before this job finished; upload the file again'"
        " WHERE status IN ('queued', 'running')"
    )
    return cursor.rowcount
