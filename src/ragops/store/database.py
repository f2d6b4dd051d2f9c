"""Connect to PostgreSQL (embedded or external), migrate, and hand out a pooled connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from pgvector.psycopg import register_vector
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from ragops.config import DatabaseSettings
from ragops.errors import StoreError
from ragops.store.connection import Connection
from ragops.store.migrations import migrate
from ragops.store.server import start_embedded_server


@dataclass
class Database:
    pool: ConnectionPool[Connection]
    location: str  # where the data lives, without credentials
    is_embedded: bool

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A pooled connection; driver errors surface as StoreError with a hint."""
        try:
            with self.pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise StoreError(
                f"no database connection available from {self.location} ({exc}); is the server up?"
            ) from exc
        except psycopg.OperationalError as exc:
            raise StoreError(
                f"database at {self.location} failed: {exc}. Check that it runs (`ragops db status`), then retry."
            ) from exc

    def close(self) -> None:
        self.pool.close()


def open_database(settings: DatabaseSettings, pgdata: Path) -> Database:
    """Reach `settings.url`, or start the embedded server on `pgdata` without one; migrate; open the pool."""
    if settings.url is not None:
        url, is_embedded = settings.url.get_secret_value(), False
        location = _describe(url)
    else:
        url, is_embedded = start_embedded_server(pgdata), True
        location = f"embedded PostgreSQL in {pgdata}"
    try:
        # pgvector's types can only be registered once the extension exists: migrate first.
        with psycopg.connect(url, connect_timeout=int(settings.connect_timeout_s)) as conn:
            conn.autocommit = True
            migrate(conn)
    except psycopg.OperationalError as exc:
        raise StoreError(
            f"cannot reach PostgreSQL at {location}: {exc}. Check that the server runs and the URL is right."
        ) from exc
    pool: ConnectionPool[Connection] = ConnectionPool(
        url,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        timeout=settings.connect_timeout_s,
        configure=register_vector,
        kwargs={"autocommit": True},  # explicit conn.transaction() blocks wherever atomicity matters
        check=ConnectionPool.check_connection,  # a server restart must not hand out dead connections
        open=False,
        name="ragops",
    )
    pool.open(wait=True, timeout=settings.connect_timeout_s)
    return Database(pool=pool, location=location, is_embedded=is_embedded)


def _describe(url: str) -> str:
    """host:port/dbname of a URL, never its password."""
    parts = conninfo_to_dict(url)
    host = parts.get("host") or "localhost"
    port = parts.get("port") or 5432
    return f"postgresql://{host}:{port}/{parts.get('dbname', '')}"
