"""Ratings of answers, linked to the trace (or request) that produced them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ragops.store.connection import Connection


@dataclass(frozen=True)
class RatingCounts:
    negative: int
    total: int


def add_feedback(
    conn: Connection,
    *,
    trace_id: str | None,
    request_id: str | None,
    rating: int,
    comment: str | None,
    api_key_id: int | None,
) -> int:
    row = conn.execute(
        "INSERT INTO feedback (trace_id, request_id, rating, comment, api_key_id) VALUES (%s, %s, %s, %s, %s)"
        " RETURNING id",
        (trace_id, request_id, rating, comment, api_key_id),
    ).fetchone()
    assert row is not None
    return int(row[0])


def rating_counts(conn: Connection, *, since: datetime, until: datetime) -> RatingCounts:
    """Ratings given in [since, until], and how many of them are negative."""
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE rating < 0), count(*) FROM feedback WHERE created_at BETWEEN %s AND %s",
        (since, until),
    ).fetchone()
    assert row is not None  # an aggregate always returns one row
    return RatingCounts(negative=int(row[0]), total=int(row[1]))
