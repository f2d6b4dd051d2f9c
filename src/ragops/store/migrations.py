"""Versioned SQL migrations (store/sql/NNNN_name.sql), applied in order, recorded in schema_migrations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import psycopg

from ragops.errors import StoreError
from ragops.store.connection import Connection

_FILENAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 7_246_193_001  # advisory lock: concurrent starters migrate one at a time


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    folder = resources.files("ragops.store") / "sql"
    found = []
    for entry in folder.iterdir():
        match = _FILENAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def migrate(conn: Connection) -> list[int]:
    """Apply pending migrations, each in its own transaction; return the versions applied."""
    applied_now: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for migration in available_migrations():
            if migration.version in done:
                continue
            try:
                with conn.transaction():
                    conn.execute(migration.sql.encode())  # bytes: run as one multi-statement script
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (migration.version, migration.name),
                    )
            except (psycopg.errors.FeatureNotSupported, psycopg.errors.UndefinedFile) as exc:
                raise StoreError(_missing_pgvector_hint(exc)) from exc
            applied_now.append(migration.version)
    return applied_now


def schema_version(conn: Connection) -> int | None:
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return None
    row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return None if row is None else row[0]


def _missing_pgvector_hint(exc: Exception) -> str:
    return (
        f"this PostgreSQL has no pgvector extension ({exc}). Install pgvector on the server "
        "(https://github.com/pgvector/pgvector#installation), or unset DATABASE_URL / database.url "
        "to use the embedded server, which ships it."
    )
