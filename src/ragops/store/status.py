"""What `ragops db status` reports."""

from __future__ import annotations

from dataclasses import dataclass

from ragops.store.database import Database
from ragops.store.migrations import schema_version


@dataclass(frozen=True)
class CollectionStatus:
    name: str
    documents: int
    chunks: int
    embedder_id: str | None
    dimension: int | None
    last_run: str | None  # "<status> <finished or started at>"


@dataclass(frozen=True)
class DatabaseStatus:
    location: str
    server_version: str
    schema_version: int | None
    collections: list[CollectionStatus]


def database_status(db: Database) -> DatabaseStatus:
    with db.connection() as conn:
        version_row = conn.execute("SHOW server_version").fetchone()
        rows = conn.execute(
            "SELECT c.name,"
            " (SELECT count(*) FROM documents d WHERE d.collection_id = c.id),"
            " (SELECT count(*) FROM chunks k WHERE k.collection_id = c.id),"
            " c.embedder_id, c.dimension,"
            " (SELECT r.status || ' ' || to_char(coalesce(r.finished_at, r.started_at), 'YYYY-MM-DD HH24:MI')"
            "    FROM ingestion_runs r WHERE r.collection_id = c.id ORDER BY r.id DESC LIMIT 1)"
            " FROM collections c ORDER BY c.name"
        ).fetchall()
        return DatabaseStatus(
            location=db.location,
            server_version=str(version_row[0]) if version_row else "?",
            schema_version=schema_version(conn),
            collections=[CollectionStatus(*row) for row in rows],
        )
