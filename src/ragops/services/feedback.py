"""Ratings of answers, kept with the trace or request id the client received."""

from __future__ import annotations

from dataclasses import dataclass

from ragops.store.database import Database
from ragops.store.feedback import add_feedback


@dataclass(frozen=True)
class FeedbackService:
    db: Database

    def rate(
        self, *, trace_id: str | None, request_id: str | None, rating: int, comment: str | None, api_key_id: int | None
    ) -> int:
        """Store one rating; returns its id."""
        with self.db.connection() as conn:
            return add_feedback(
                conn,
                trace_id=trace_id,
                request_id=request_id,
                rating=rating,
                comment=comment,
                api_key_id=api_key_id,
            )
