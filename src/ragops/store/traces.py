"""The traces table: one row per finished trace, its spans as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from ragops.store.connection import Connection

MIN_PREFIX = 6  # shortest id prefix accepted by find_trace, as with git hashes


@dataclass(frozen=True)
class TraceRow:
    trace_id: str
    name: str
    started_at: datetime
    duration_ms: float
    status: str
    attributes: dict[str, Any]
    spans: list[dict[str, Any]]


def insert_trace(conn: Connection, row: TraceRow) -> None:
    conn.execute(
        "INSERT INTO traces (trace_id, name, started_at, duration_ms, status, attributes, spans)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (trace_id) DO NOTHING",
        (row.trace_id, row.name, row.started_at, row.duration_ms, row.status, Jsonb(row.attributes), Jsonb(row.spans)),
    )


def recent_traces(
    conn: Connection, since: datetime, limit: int, name: str | None = None, until: datetime | None = None
) -> list[TraceRow]:
    """Traces started in [since, until] (until unset: now), newest first."""
    rows = conn.execute(
        "SELECT trace_id, name, started_at, duration_ms, status, attributes, spans FROM traces"
        " WHERE started_at >= %(since)s AND (%(until)s::timestamptz IS NULL OR started_at <= %(until)s)"
        " AND (%(name)s::text IS NULL OR name = %(name)s) ORDER BY started_at DESC LIMIT %(limit)s",
        {"since": since, "until": until, "name": name, "limit": limit},
    ).fetchall()
    return [TraceRow(*row) for row in rows]


def find_trace(conn: Connection, id_or_prefix: str) -> list[TraceRow]:
    """Traces whose id starts with `id_or_prefix` (at most two: enough to tell ambiguity)."""
    rows = conn.execute(
        "SELECT trace_id, name, started_at, duration_ms, status, attributes, spans"
        " FROM traces WHERE trace_id LIKE %s ORDER BY started_at DESC LIMIT 2",
        (id_or_prefix.replace("\\", "").replace("%", "").replace("_", "") + "%",),
    ).fetchall()
    return [TraceRow(*row) for row in rows]
