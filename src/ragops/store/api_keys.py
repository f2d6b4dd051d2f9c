"""API keys, stored as sha256 digests.

A key is 32 random bytes (256 bits), so a fast hash is safe: brute-forcing the digest is as hopeless
as guessing the key, and a slow KDF (scrypt) would only add milliseconds to every request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import psycopg

from ragops.errors import NotFoundError, StoreError
from ragops.store.connection import Connection

KEY_PREFIX = "rgk_"
_SHOWN_CHARS = 12  # prefix kept in clear so people can tell their keys apart


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(conn: Connection, name: str) -> tuple[ApiKey, str]:
    """A new key: its record and the secret itself, which is never stored and cannot be shown again."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    try:
        row = conn.execute(
            "INSERT INTO api_keys (name, prefix, key_hash) VALUES (%s, %s, %s)"
            " RETURNING id, name, prefix, created_at, last_used_at, revoked_at",
            (name, secret[:_SHOWN_CHARS], hash_key(secret)),
        ).fetchone()
    except psycopg.errors.UniqueViolation as exc:
        raise StoreError(f"an API key named {name!r} exists already; pick another name or revoke it") from exc
    assert row is not None
    return ApiKey(*row), secret


def list_keys(conn: Connection) -> list[ApiKey]:
    rows = conn.execute(
        "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys ORDER BY id"
    ).fetchall()
    return [ApiKey(*row) for row in rows]


def revoke_key(conn: Connection, name: str) -> None:
    cursor = conn.execute("UPDATE api_keys SET revoked_at = now() WHERE name = %s AND revoked_at IS NULL", (name,))
    if cursor.rowcount == 0:
        raise NotFoundError(f"no active API key named {name!r}; `ragops keys list` shows them")


def active_key_count(conn: Connection) -> int:
    row = conn.execute("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL").fetchone()
    return int(row[0]) if row else 0


def authenticate(conn: Connection, secret: str) -> ApiKey | None:
    """The active key with this secret (its last use recorded), or None."""
    row = conn.execute(
        "UPDATE api_keys SET last_used_at = now() WHERE key_hash = %s AND revoked_at IS NULL"
        " RETURNING id, name, prefix, created_at, last_used_at, revoked_at",
        (hash_key(secret),),
    ).fetchone()
    return None if row is None else ApiKey(*row)
