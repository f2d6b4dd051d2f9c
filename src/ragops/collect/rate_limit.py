"""A polite rate limiter: at most one request every `interval_s`, on a clock that tests can replace."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """`wait()` blocks until the next slot is due and claims it; slots are `interval_s` apart, start to start."""

    def __init__(
        self,
        interval_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if interval_s < 0:
            raise ValueError(f"interval_s must be >= 0, not {interval_s}")
        self.interval_s = interval_s
        self.clock = clock
        self.sleep = sleep
        self._next_slot: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self.clock()
            while self._next_slot is not None and now < self._next_slot:
                self.sleep(self._next_slot - now)
                now = self.clock()
            self._next_slot = now + self.interval_s

    def pause(self, seconds: float) -> None:
        """Sleep on this limiter's clock (a backoff), so a test's fake clock sees it too."""
        self.sleep(seconds)
