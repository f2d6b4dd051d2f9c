"""API keys (Bearer tokens) and a per-key rate limit.

The limit is a token bucket in this process's memory: simple and exact for one server process; with
several processes behind a balancer each enforces its own budget (a shared store would be needed).
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ragops.api.deps import DatabaseDep
from ragops.config import Settings
from ragops.errors import AuthenticationError, RateLimitedError
from ragops.store import api_keys as keys_repo
from ragops.store.api_keys import ApiKey
from ragops.store.database import Database

LOOPBACK_NAMES = frozenset({"localhost"})


def auth_required(settings: Settings) -> bool:
    """Keys may be off only while the server is reachable from this machine alone."""
    return settings.server.require_api_key or not is_loopback(settings.server.host)


def is_loopback(host: str) -> bool:
    """Whether binding to `host` keeps the server reachable from this machine only."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """`burst` requests at once, refilled at `per_minute` per minute, per key."""

    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate_per_s = per_minute / 60.0
        self.burst = burst
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, key_id: int) -> float:
        """0 when the request may go now, else the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.setdefault(key_id, _Bucket(float(self.burst), now))
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate_per_s)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate_per_s

    def admit(self, key: ApiKey) -> None:
        """Take one request from `key`'s budget; RateLimitedError (with the wait) when it has none left."""
        wait_s = self.acquire(key.id)
        if wait_s > 0:
            raise RateLimitedError(f"API key {key.name!r} is over its rate limit", retry_after_s=math.ceil(wait_s))


_bearer = HTTPBearer(auto_error=False, description="an API key from `ragops keys create`")


def require_api_key(
    request: Request,
    db: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey | None:
    """The caller's key when auth is on (401 without a valid one, 429 past its rate); None when off."""
    if not request.app.state.auth_required:
        return None
    key = authenticate_bearer(db, credentials.credentials if credentials else None)
    limiter: TokenBucketLimiter = request.app.state.rate_limiter
    try:
        limiter.admit(key)
    except RateLimitedError:
        request.app.state.metrics.rate_limited.labels(key.name).inc()
        raise
    request.state.api_key = key
    return key


def authenticate_bearer(db: Database, secret: str | None) -> ApiKey:
    """The active key whose secret the caller sent as its Bearer token; AuthenticationError saying what to send."""
    if secret is None:
        raise AuthenticationError("this server needs an API key: send `Authorization: Bearer <key>`")
    with db.connection() as conn:
        key = keys_repo.authenticate(conn, secret)
    if key is None:
        raise AuthenticationError("the API key is unknown or revoked; create one with `ragops keys create`")
    return key


ApiKeyDep = Annotated[ApiKey | None, Depends(require_api_key)]
