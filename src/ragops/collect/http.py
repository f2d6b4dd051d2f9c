"""GET with manners: every attempt waits for the rate limiter, transient failures are retried with backoff."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urljoin

import httpx

from ragops.collect.rate_limit import RateLimiter
from ragops.config import CollectSettings, RetrySettings
from ragops.errors import CollectError

T = TypeVar("T")
MAX_REDIRECTS = 10
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    content_type: str  # the media type alone, lower case: "text/html"
    body: bytes


class UnreadableResponse(Exception):
    """Raised by a reader for a body it cannot parse: worth fetching again (a truncated or garbled page)."""


class RetriesExhausted(CollectError):
    """Every attempt failed transiently; `start` pages before it are stored and a rerun resumes."""


def build_http_client(settings: CollectSettings) -> httpx.Client:
    return httpx.Client(
        timeout=settings.timeout_s,
        follow_redirects=False,  # PoliteClient follows them, each hop waiting for the limiter
        headers={"User-Agent": settings.user_agent},
    )


class PoliteClient:
    """GETs spaced by one limiter; 5xx, 429, timeouts, dropped connections and unreadable bodies are retried."""

    def __init__(self, client: httpx.Client, limiter: RateLimiter, retry: RetrySettings) -> None:
        self.client = client
        self.limiter = limiter
        self.retry = retry
        self.requests = 0  # attempts sent, retries included

    def get(
        self,
        url: str,
        read: Callable[[Fetched], T],
        *,
        params: dict[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> T:
        """`read` applied to the first successful answer; CollectError when it is refused or never comes."""
        failure = ""
        for attempt in range(1, self.retry.max_attempts + 1):
            if attempt > 1:
                self.limiter.pause(min(self.retry.max_delay_s, self.retry.base_delay_s * 2 ** (attempt - 2)))
            try:
                fetched = self._follow(url, params, max_bytes)
                if fetched.status >= 500 or fetched.status == 429:
                    failure = f"HTTP {fetched.status}"
                elif fetched.status >= 400:
                    raise CollectError(f"{url} answered HTTP {fetched.status}")
                else:
                    return read(fetched)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            except UnreadableResponse as exc:
                failure = f"unreadable answer ({exc})"
            logger.warning("GET %s failed (%s), attempt %d of %d", url, failure, attempt, self.retry.max_attempts)
        raise RetriesExhausted(
            f"{url} failed {self.retry.max_attempts} times (last: {failure}); check the server, then run the same "
            "command again: what was stored is kept and the fetch resumes"
        )

    def _follow(self, url: str, params: dict[str, str] | None, max_bytes: int | None) -> Fetched:
        """The answer at the end of any redirects; every hop is a request of its own, spaced like the others."""
        for _ in range(MAX_REDIRECTS + 1):
            fetched, location = self._fetch(url, params, max_bytes)
            if location is None:
                return fetched
            url, params = urljoin(fetched.url, location), None
        raise CollectError(f"{url} redirects in a loop (or more than {MAX_REDIRECTS} times)")

    def _fetch(self, url: str, params: dict[str, str] | None, max_bytes: int | None) -> tuple[Fetched, str | None]:
        self.limiter.wait()
        self.requests += 1
        with self.client.stream("GET", url, params=params) as response:
            location = response.headers.get("location") if response.is_redirect else None
            if location is not None:
                return Fetched(str(response.url), response.status_code, "", b""), location
            body = bytearray()
            for piece in response.iter_bytes():
                body += piece
                if max_bytes is not None and len(body) > max_bytes:
                    raise CollectError(f"{response.url} is larger than {max_bytes:,} bytes; skipped")
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            return Fetched(str(response.url), response.status_code, content_type, bytes(body)), None
