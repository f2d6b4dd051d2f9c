"""The embedded database stopped and started again under a small concurrent load: 503s with Retry-After at
once, /readyz answering from its cached state, 200s again within 2 s of the database returning, never a 500."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from ragops.runtime import Runtime
from ragops.store.server import restart_embedded_server, stop_embedded_server
from tests.api.conftest import serving
from tests.faults.conftest import own_home_runtime

CLIENTS = 3
HEALTHY_S, DOWN_S, AFTER_S = 1.5, 2.5, 3.0


@dataclass(frozen=True)
class Sample:
    path: str
    sent: float  # time.monotonic()
    latency_s: float
    status: int
    retry_after: str | None


@pytest.fixture(scope="module")
def outage_runtime(runtime: Runtime) -> Iterator[Runtime]:
    with own_home_runtime(runtime, restart_embedded=False) as own:  # this test restarts it, when it chooses
        yield own


def _load(base_url: str, path: str, stop: threading.Event, samples: list[Sample], pause_s: float) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        while not stop.is_set():
            sent = time.monotonic()
            if path == "/readyz":
                response = client.get(path)
            else:
                response = client.post(path, json={"question": "retrieval-augmented generation", "top_k": 2})
            samples.append(
                Sample(path, sent, time.monotonic() - sent, response.status_code, response.headers.get("retry-after"))
            )
            time.sleep(pause_s)


def test_an_outage_is_a_prompt_503_and_recovery_is_quick(outage_runtime: Runtime) -> None:
    pgdata = outage_runtime.settings.pgdata
    samples: list[Sample] = []
    stop = threading.Event()
    with serving(outage_runtime.settings, outage_runtime) as (_, _, base_url):
        # given: a few clients asking, and a probe polling /readyz
        clients = [("/v1/retrieve", 0.02)] * CLIENTS + [("/readyz", 0.1)]
        threads = [threading.Thread(target=_load, args=(base_url, p, stop, samples, s)) for p, s in clients]
        for thread in threads:
            thread.start()
        time.sleep(HEALTHY_S)
        # when: the database goes away, then comes back
        stop_embedded_server(pgdata)
        stopped = time.monotonic()
        time.sleep(DOWN_S)
        restarting = time.monotonic()
        restart_embedded_server(pgdata)  # ready when it returns (pg_ctl start -w)
        back = time.monotonic()
        time.sleep(AFTER_S)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    # then: never a 500, nor anything but 200 or 503
    assert {s.status for s in samples} <= {200, 503}, [s for s in samples if s.status not in (200, 503)]
    before = [s for s in samples if s.sent < stopped - 0.5]
    assert before and all(s.status == 200 for s in before)
    # every request during the outage is a 503 with Retry-After, answered within 1 s
    during = [s for s in samples if stopped <= s.sent < restarting]
    assert max(s.latency_s for s in during) < 1.0, max(during, key=lambda s: s.latency_s)
    requests = [s for s in during if s.path != "/readyz"]
    assert requests and all(s.status == 503 and s.retry_after for s in requests), [
        (s, s.sent - stopped) for s in requests if s.status != 503 or not s.retry_after
    ]
    # /readyz reads the background probe's state: 503 within 1 s of the outage
    probes = [s for s in during if s.path == "/readyz" and s.sent + s.latency_s >= stopped + 1.0]
    assert probes and all(s.status == 503 and s.retry_after for s in probes), [s for s in probes if s.status != 503]
    # every request sent 2 s after the database returned succeeds
    recovered = [s for s in samples if s.sent >= back + 2.0]
    assert recovered and all(s.status == 200 for s in recovered), [s for s in recovered if s.status != 200]
    first_200 = min(s.sent + s.latency_s for s in samples if s.sent >= restarting and s.status == 200)
    first_503 = min(s.sent + s.latency_s for s in samples if s.sent >= stopped and s.status == 503)
    ready_503 = min(s.sent + s.latency_s for s in during if s.path == "/readyz" and s.status == 503)
    print(  # the README's reliability figures
        f"\noutage: {len(during)} requests while down, worst latency {max(s.latency_s for s in during) * 1000:.0f} ms; "
        f"first 503 {first_503 - stopped:.2f} s and /readyz 503 {ready_503 - stopped:.2f} s after the stop; "
        f"first 200 {first_200 - restarting:.2f} s after the restart began (database start {back - restarting:.2f} s)"
    )
