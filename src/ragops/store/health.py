"""Whether the database answers, known at once: a background thread probes it on a connection of its own.

Requests and `/readyz` read the cached state instead of waiting out a pool timeout while the server is gone,
so an outage is a prompt 503, and the first probe that succeeds again announces the recovery.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

log = logging.getLogger(__name__)

# A probe hung this long (a silent network) counts as a failure; generous, so that a busy CPU is no outage.
STALE_AFTER_S = 5.0


@dataclass(frozen=True)
class HealthState:
    up: bool
    detail: str  # "ok", or the last probe's error


class HealthMonitor:
    """Probes `url` every `interval_s`. From its thread it calls `on_up()` when the database is back and
    `on_down()` after every failed probe (restarting the embedded server is the caller's business)."""

    def __init__(
        self,
        url: str,
        *,
        interval_s: float,
        connect_timeout_s: float,
        on_up: Callable[[], None],
        on_down: Callable[[], None],
    ) -> None:
        self._url = url
        self._interval_s = interval_s
        self._connect_timeout_s = max(1, round(connect_timeout_s))  # libpq takes whole seconds
        self._on_up = on_up
        self._on_down = on_down
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._state = HealthState(up=True, detail="ok")
        self._last_ok = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ragops-db-health", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._connect_timeout_s + 1)
        self._close()

    def state(self) -> HealthState:
        with self._lock:
            state = self._state
        stale = time.monotonic() - self._last_ok > STALE_AFTER_S + self._interval_s
        if state.up and stale:
            return HealthState(up=False, detail="the database stopped answering health probes")
        return state

    def report_failure(self, detail: str) -> None:
        """A request met a broken connection: down now, rather than at the next probe."""
        self._set(False, detail)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self._probe()
            except psycopg.Error as exc:
                self._close()
                self._set(False, str(exc).strip() or type(exc).__name__)
                self._on_down()
            else:
                self._last_ok = time.monotonic()
                self._set(True, "ok")

    def _probe(self) -> None:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._url, autocommit=True, connect_timeout=self._connect_timeout_s)
        self._conn.execute("SELECT 1")

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _set(self, up: bool, detail: str) -> None:
        with self._lock:
            changed = self._state.up != up
            self._state = HealthState(up=up, detail=detail)
        if changed:
            log.warning("database %s: %s", "is back" if up else "is unavailable", detail)
            if up:
                self._on_up()
