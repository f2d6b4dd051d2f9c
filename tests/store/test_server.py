import json
import os
import subprocess
import sys
from pathlib import Path

import psutil

from ragops.runtime import Runtime
from ragops.store.server import recover_stale_state


def test_a_pidfile_naming_no_postgres_is_removed(tmp_path: Path) -> None:
    # our own pid is alive but is no postgres: a reused pid after a crash looks like this
    (tmp_path / "postmaster.pid").write_text(f"{os.getpid()}\n{tmp_path}\n")
    recover_stale_state(tmp_path)
    assert not (tmp_path / "postmaster.pid").exists()


def test_dead_holders_are_pruned(tmp_path: Path) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    me = {"pid": os.getpid(), "started": psutil.Process().create_time()}
    reused = {"pid": os.getpid(), "started": 1.0}  # our pid, but recorded for a process that started long ago
    dead = {"pid": dead_pid, "started": 1.0}
    (tmp_path / "ragops-holders.json").write_text(json.dumps([me, reused, dead]))
    recover_stale_state(tmp_path)
    assert json.loads((tmp_path / "ragops-holders.json").read_text()) == [me]


def test_the_pidfile_of_a_running_server_is_kept(runtime: Runtime) -> None:
    pidfile = runtime.settings.pgdata / "postmaster.pid"
    before = pidfile.read_text()
    recover_stale_state(runtime.settings.pgdata)
    assert pidfile.read_text() == before


def test_a_second_process_attaches_to_the_running_server(runtime: Runtime, sample_collection: str) -> None:
    env = {**os.environ, "RAGOPS_HOME": str(runtime.settings.home), "COLUMNS": "200"}
    status = subprocess.run(
        [sys.executable, "-c", "from ragops.cli import app; app()", "db", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 0, status.stderr
    assert sample_collection in status.stdout
    # the other process has exited; our pool still reaches the same server
    with runtime.db.connection() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
