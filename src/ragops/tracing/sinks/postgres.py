"""Traces into the `traces` table, where `ragops traces` and `ragops monitor` read them back."""

from __future__ import annotations

from datetime import UTC, datetime

from ragops.store import traces as traces_repo
from ragops.store.database import Database
from ragops.tracing.spans import FinishedTrace, Span


class PostgresTraceSink:
    name = "postgres"

    def __init__(self, db: Database) -> None:
        self._db = db

    def export(self, trace: FinishedTrace) -> None:
        with self._db.connection() as conn:
            traces_repo.insert_trace(conn, trace_row(trace))

    def close(self) -> None:
        """The database belongs to the runtime, which closes it."""


def trace_row(trace: FinishedTrace) -> traces_repo.TraceRow:
    root = trace.root
    return traces_repo.TraceRow(
        trace_id=trace.trace_id,
        name=root.name,
        started_at=datetime.fromtimestamp(root.start_ns / 1e9, tz=UTC),
        duration_ms=root.duration_ms,
        status="error" if any(s.status == "error" for s in trace.spans) else "ok",
        attributes=root.attributes,
        spans=[s.to_json() for s in trace.spans],
    )


def finished_trace(row: traces_repo.TraceRow) -> FinishedTrace:
    return FinishedTrace(row.trace_id, [Span.from_json(row.trace_id, raw) for raw in row.spans])
