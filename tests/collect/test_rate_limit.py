from __future__ import annotations

import pytest

from ragops.collect.arxiv import POLITE_INTERVAL_S, polite_interval
from ragops.collect.rate_limit import RateLimiter


class FakeClock:
    """Time that passes only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_calls_are_spaced_by_the_interval_start_to_start() -> None:
    # given
    clock = FakeClock()
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    # when
    times = []
    for work_s in (0.0, 1.0, 5.0, 0.5):
        limiter.wait()
        times.append(clock.now)
        clock.now += work_s  # the request itself takes time
    # then
    assert times == [1000.0, 1003.0, 1006.0, 1011.0]  # after the 5 s request no wait is needed
    assert clock.slept == [3.0, 2.0]


def test_a_zero_interval_never_sleeps_and_a_negative_one_is_refused() -> None:
    clock = FakeClock()
    limiter = RateLimiter(0.0, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        limiter.wait()
    assert clock.slept == []
    with pytest.raises(ValueError, match="interval_s"):
        RateLimiter(-1.0)


@pytest.mark.parametrize(
    ("url", "configured", "expected"),
    [
        ("https://export.arxiv.org/api/query", 0.0, POLITE_INTERVAL_S),
        ("http://arxiv.org/pdf/2401.00001", 1.0, POLITE_INTERVAL_S),
        ("https://export.arxiv.org/api/query", 10.0, 10.0),
        ("http://127.0.0.1:8080/api/query", 0.0, 0.0),
        ("https://notarxiv.org/api/query", 0.0, 0.0),
    ],
)
def test_the_arxiv_host_never_gets_less_than_three_seconds(url: str, configured: float, expected: float) -> None:
    assert polite_interval(url, configured) == expected
