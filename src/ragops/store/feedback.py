"""Ratings of answers, linked to the trace (or request) that produced them."""

from __future__ import annotations

from ragops.store.connection import Connection


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
