"""Bounded retries with jittered backoff, for whole calls and for streams before their first event."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from ragops.config import RetrySettings
from ragops.errors import ProviderRequestError, ProviderThrottled, ProviderTimeout, ProviderUnavailable
from ragops.providers.retry import backoff_delay_s, call_with_retries, stream_with_retries

RETRY = RetrySettings(max_attempts=4, base_delay_s=0.5, max_delay_s=3.0)


class Flaky:
    """Raises the given errors in turn, then answers."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "answer"


def test_backoff_is_jittered_below_a_doubling_capped_ceiling() -> None:
    rng = random.Random(7)
    for attempt, ceiling in ((1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (9, 3.0)):
        delays = [backoff_delay_s(RETRY, attempt, rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > 0.8 * ceiling and min(delays) < 0.2 * ceiling  # spread over the whole range


@pytest.mark.parametrize("error", [ProviderUnavailable("503"), ProviderThrottled("429")])
def test_retryable_errors_are_retried_with_pauses(error: Exception) -> None:
    flaky, pauses = Flaky(error, error), []
    assert call_with_retries(flaky, RETRY, what="test", sleep=pauses.append) == "answer"
    assert flaky.calls == 3 and len(pauses) == 2


@pytest.mark.parametrize("error", [ProviderRequestError("400 bad"), ProviderTimeout("slow")])
def test_request_errors_and_timeouts_are_not_retried(error: Exception) -> None:
    flaky, pauses = Flaky(error), []
    with pytest.raises(type(error)):
        call_with_retries(flaky, RETRY, what="test", sleep=pauses.append)
    assert flaky.calls == 1 and pauses == []


def test_attempts_are_bounded() -> None:
    flaky = Flaky(*[ProviderUnavailable("down")] * 10)
    with pytest.raises(ProviderUnavailable):
        call_with_retries(flaky, RETRY, what="test", sleep=lambda _: None)
    assert flaky.calls == RETRY.max_attempts


def test_a_stream_is_restarted_only_before_its_first_event() -> None:
    starts: list[int] = []

    def start() -> Iterator[str]:
        starts.append(1)
        if len(starts) == 1:
            raise ProviderUnavailable("refused")
        yield "a"
        if len(starts) == 2:
            raise ProviderUnavailable("died mid-stream")
        yield "b"

    received: list[str] = []
    with pytest.raises(ProviderUnavailable, match="died mid-stream"):
        for event in stream_with_retries(start, RETRY, what="test", sleep=lambda _: None):
            received.append(event)
    assert received == ["a"] and len(starts) == 2
