"""Ingestion runs: one row per `ragops ingest`, so a killed run is visible and its rerun accountable."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

import psutil
from psycopg import sql

from ragops.store.connection import Connection


@dataclass
class RunCounts:
    documents_seen: int = 0
    documents_added: int = 0
    documents_updated: int = 0
    documents_unchanged: int = 0
    documents_duplicate: int = 0
    documents_failed: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0


def start_run(conn: Connection, collection_id: int, source: str, location: str) -> int:
    _mark_interrupted_runs(conn)
    row = conn.execute(
        "INSERT INTO ingestion_runs (collection_id, source, location, pid) VALUES (%s, %s, %s, %s) RETURNING id",
        (collection_id, source, location, os.getpid()),
    ).fetchone()
    assert row is not None
    return int(row[0])


def finish_run(conn: Connection, run_id: int, counts: RunCounts, error: str | None = None) -> None:
    values = asdict(counts)
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column)) for column in values
    )
    conn.execute(
        sql.SQL(
            "UPDATE ingestion_runs SET {assignments}, status = %(status)s, error = %(error)s,"
            " finished_at = now() WHERE id = %(run_id)s"
        ).format(assignments=assignments),
        {**values, "status": "failed" if error else "completed", "error": error, "run_id": run_id},
    )


def _mark_interrupted_runs(conn: Connection) -> None:
    """Runs still 'running' whose process is gone were killed; say so instead of leaving them open."""
    running = conn.execute("SELECT id, pid FROM ingestion_runs WHERE status = 'running'").fetchall()
    dead = [run_id for run_id, pid in running if not psutil.pid_exists(pid)]
    if dead:
        conn.execute(
            "UPDATE ingestion_runs SET status = 'interrupted', finished_at = now(),"
            " error = 'process ended before the run finished' WHERE id = ANY(%s)",
            (dead,),
        )
