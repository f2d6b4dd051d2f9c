"""Connect to PostgreSQL (embedded or external), migrate, and hand out a pooled connection."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from pgvector.psycopg import register_vector
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from ragops.config import DatabaseSettings
from ragops.errors import DatabaseUnavailableError, StoreError
from ragops.store.connection import Connection
from ragops.store.health import HealthMonitor
from ragops.store.migrations import migrate
from ragops.store.server import release_embedded_server, restart_embedded_server, start_embedded_server

log = logging.getLogger(__name__)

ACQUIRE_SLICE_S = 0.2  # how often a request waiting for a connection looks at the health state
RESTART_EVERY_S = 2.0  # while the embedded server stays down, how often a holder tries to start it again


class Database:
    """The pool, behind a health monitor: while the server is gone, `connection()` fails at once."""

    def __init__(self, settings: DatabaseSettings, url: str, location: str, *, pgdata: Path | None) -> None:
        self.location = location  # where the data lives, without credentials
        self.is_embedded = pgdata is not None
        self._pgdata = pgdata  # the embedded server's data directory, which this process holds
        self.retry_after_s = settings.retry_after_s
        self._settings = settings
        self._url = url
        self.pool = self._open_pool()
        self.health = HealthMonitor(
            url,
            interval_s=settings.health_interval_s,
            connect_timeout_s=settings.connect_timeout_s,
            on_up=self._renew_pool,
            on_down=self._restart_embedded,
        )
        self._last_restart = 0.0
        self.health.start()

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A pooled connection; driver errors surface as StoreError with a hint."""
        pool, conn = self._acquire()
        try:
            yield conn
        except psycopg.Error as exc:
            if not (isinstance(exc, psycopg.OperationalError) or conn.broken):  # a bad statement, not an outage
                raise
            self.health.report_failure(str(exc))
            raise DatabaseUnavailableError(
                f"database at {self.location} failed: {exc}. Check that it runs (`ragops db status`), then retry.",
                self.retry_after_s,
            ) from exc
        finally:
            pool.putconn(conn)

    def close(self) -> None:
        self.health.stop()
        self.pool.close()
        if self._pgdata is not None:
            release_embedded_server(self._pgdata)

    def _acquire(self) -> tuple[ConnectionPool[Connection], Connection]:
        # In slices, so that an outage noticed while waiting ends the wait.
        deadline = time.monotonic() + self._settings.connect_timeout_s
        while True:
            state = self.health.state()
            if not state.up:
                raise DatabaseUnavailableError(
                    f"the database at {self.location} is unavailable ({state.detail}); "
                    f"retry in {self.retry_after_s:g} s, and check it with `ragops db status`",
                    self.retry_after_s,
                )
            pool = self.pool
            remaining = deadline - time.monotonic()
            try:
                return pool, pool.getconn(timeout=max(0.01, min(ACQUIRE_SLICE_S, remaining)))
            except PoolClosed as exc:
                raise StoreError(
                    f"the connection pool to {self.location} is closed (is ragops shutting down?); retry, and check "
                    "the database with `ragops db status`"
                ) from exc
            except PoolTimeout as exc:
                if remaining <= ACQUIRE_SLICE_S:
                    raise StoreError(
                        f"no database connection free within {self._settings.connect_timeout_s:g} s from "
                        f"{self.location} ({exc}); the server is overloaded: retry, or raise database.pool_max_size"
                    ) from exc

    def _restart_embedded(self) -> None:
        """A holder whose embedded server went away (`ragops db stop --force`, a crash) starts it again."""
        if self._pgdata is None or not self._settings.restart_embedded:
            return
        if time.monotonic() - self._last_restart < RESTART_EVERY_S:
            return
        self._last_restart = time.monotonic()
        try:
            restart_embedded_server(self._pgdata)
        except StoreError as exc:
            log.warning("could not restart the embedded database (%s); trying again in %g s", exc, RESTART_EVERY_S)

    def _renew_pool(self) -> None:
        # The old pool's connections died with the server and its reconnect backs off for seconds: start afresh.
        stale, self.pool = self.pool, self._open_pool()
        threading.Thread(target=stale.close, name="ragops-stale-pool", daemon=True).start()

    def _open_pool(self) -> ConnectionPool[Connection]:
        pool: ConnectionPool[Connection] = ConnectionPool(
            self._url,
            min_size=self._settings.pool_min_size,
            max_size=self._settings.pool_max_size,
            timeout=self._settings.connect_timeout_s,
            configure=register_vector,
            kwargs={"autocommit": True},  # explicit conn.transaction() blocks wherever atomicity matters
            check=ConnectionPool.check_connection,  # a server restart must not hand out dead connections
            open=False,
            name="ragops",
        )
        pool.open(wait=False)
        return pool


def open_database(settings: DatabaseSettings, pgdata: Path) -> Database:
    """Reach `settings.url`, or start the embedded server on `pgdata` without one; migrate; open the pool."""
    if settings.url is not None:
        url, held = settings.url.get_secret_value(), None
        location = _describe(url)
    else:
        url, held = start_embedded_server(pgdata), pgdata
        location = f"embedded PostgreSQL in {pgdata}"
    try:
        # pgvector's types can only be registered once the extension exists: migrate first.
        with psycopg.connect(url, connect_timeout=int(settings.connect_timeout_s)) as conn:
            conn.autocommit = True
            migrate(conn)
        return Database(settings, url, location, pgdata=held)
    except BaseException as exc:
        if held is not None:
            release_embedded_server(held)
        if isinstance(exc, psycopg.OperationalError):
            raise StoreError(
                f"cannot reach PostgreSQL at {location}: {exc}. Check that the server runs and the URL is right."
            ) from exc
        raise


def _describe(url: str) -> str:
    """host:port/dbname of a URL, never its password."""
    parts = conninfo_to_dict(url)
    host = parts.get("host") or "localhost"
    port = parts.get("port") or 5432
    return f"postgresql://{host}:{port}/{parts.get('dbname', '')}"
