"""The embedded server's ownership rules, with real processes: ragops never signals a process it did not start,
`ragops db stop` cannot strand a live server, and SIGTERM to `ragops serve` stops the database it started."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.api.conftest import free_port

REPO = Path(__file__).parents[2]


@pytest.fixture
def home() -> Iterator[Path]:
    made = Path(tempfile.mkdtemp(prefix="ragops-lifecycle-"))  # not tmp_path: the server's user must reach it
    yield made
    postmaster = _postmaster(made)
    if postmaster is not None:  # a failed test must not leave a server behind
        postmaster.terminate()
    shutil.rmtree(made, ignore_errors=True)


def _env(home: Path) -> dict[str, str]:
    # The subprocess imports this checkout, not whatever `ragops` the virtualenv installed.
    path = os.pathsep.join([str(REPO / "src"), str(REPO), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "RAGOPS_HOME": str(home), "PYTHONPATH": path, "COLUMNS": "200"}


def _ragops(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ragops", *args], env=_env(home), cwd=REPO, capture_output=True, text=True, timeout=180
    )


def _postmaster(home: Path) -> psutil.Process | None:
    try:
        process = psutil.Process(int((home / "pgdata" / "postmaster.pid").read_text().split()[0]))
        return process if Path(process.cwd()) == home / "pgdata" else None
    except (OSError, ValueError, IndexError, psutil.Error):
        return None


def test_a_stale_pidfile_naming_another_postgres_is_never_signalled(home: Path) -> None:
    # given: a data directory, and its postmaster.pid naming a live process called postgres that serves elsewhere
    assert _ragops(home, "db", "status").returncode == 0  # creates the data directory; the server stops on exit
    impostor_bin = home / "postgres"
    shutil.copy(shutil.which("sleep") or "/bin/sleep", impostor_bin)
    impostor = subprocess.Popen([str(impostor_bin), "300"], cwd="/")
    try:
        (home / "pgdata" / "postmaster.pid").write_text(f"{impostor.pid}\n/elsewhere\n0\n5432\n/tmp\n\n0 0\nready\n")
        # when
        status = _ragops(home, "db", "status")
        # then: ragops started its own server, and left the other process alone
        assert status.returncode == 0, status.stderr
        assert impostor.poll() is None, "ragops signalled a process it did not start"
    finally:
        impostor.kill()
        impostor.wait()


def test_db_stop_under_a_live_server_and_sigterm(home: Path) -> None:
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "ragops", "serve", "--port", str(port)],
        env=_env(home),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/readyz"
        _wait_for(lambda: _ready(url), 120, serve)
        # when: `ragops db stop` while the server holds the database: refused, the server keeps answering
        refused = _ragops(home, "db", "stop")
        assert refused.returncode == 1 and "ragops serve" in refused.stderr, refused.stderr
        assert _ready(url)
        # when: forced, the server starts the database again by itself
        first = _postmaster(home)
        forced = _ragops(home, "db", "stop", "--force")
        assert forced.returncode == 0 and "stopped" in forced.stdout, forced.stderr
        _wait_for(lambda: _postmaster(home) not in (None, first) and _ready(url), 10, serve)
        # when: SIGTERM, as systemd, Docker and Kubernetes send it
        postmaster = _postmaster(home)
        assert postmaster is not None
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
        # then: the database it started stopped with it
        postmaster.wait(timeout=30)
        assert _postmaster(home) is None
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_for(condition: Callable[[], bool], timeout_s: float, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"ragops serve exited: {process.stderr.read() if process.stderr else ''}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not ready within {timeout_s} s")
        time.sleep(0.2)
