"""Bounded retries with full-jitter exponential backoff, for calls and for streams before their first event."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from ragops.config import RetrySettings
from ragops.errors import ProviderUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], None]


def backoff_delay_s(retry: RetrySettings, attempt: int, rng: random.Random | None = None) -> float:
    """Pause before attempt `attempt + 1` (attempt counts from 1): uniform in [0, min(cap, base * 2^(attempt-1))].

    Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter") spreads clients that failed
    together, so they do not retry in lockstep.
    """
    ceiling = min(retry.max_delay_s, retry.base_delay_s * 2 ** (attempt - 1))
    return (rng or random).uniform(0.0, ceiling)


def call_with_retries(call: Callable[[], T], retry: RetrySettings, *, what: str, sleep: Sleep = time.sleep) -> T:
    """`call()`, again after a pause when it raises ProviderUnavailable (5xx, throttling, connection)."""
    for attempt in range(1, retry.max_attempts + 1):
        try:
            return call()
        except ProviderUnavailable as exc:
            if attempt == retry.max_attempts:
                raise
            _pause(exc, retry, attempt, what, sleep)
    raise AssertionError("unreachable: max_attempts >= 1")


def stream_with_retries(
    start: Callable[[], Iterator[T]], retry: RetrySettings, *, what: str, sleep: Sleep = time.sleep
) -> Iterator[T]:
    """Events of `start()`; a retryable failure before the first event starts over, one after it propagates."""
    for attempt in range(1, retry.max_attempts + 1):
        try:
            events = start()
            first = next(events)
        except StopIteration:
            return
        except ProviderUnavailable as exc:
            if attempt == retry.max_attempts:
                raise
            _pause(exc, retry, attempt, what, sleep)
            continue
        yield first
        yield from events
        return


def _pause(exc: ProviderUnavailable, retry: RetrySettings, attempt: int, what: str, sleep: Sleep) -> None:
    delay = backoff_delay_s(retry, attempt)
    log.warning("%s failed (attempt %d of %d): %s; retrying in %.2f s", what, attempt, retry.max_attempts, exc, delay)
    sleep(delay)
