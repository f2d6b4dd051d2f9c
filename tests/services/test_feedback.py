"""The feedback service stores each rating with the ids the client received."""

from __future__ import annotations

from ragops.runtime import Runtime
from ragops.services.feedback import FeedbackService


def test_a_rating_is_stored_with_its_ids(runtime: Runtime) -> None:
    feedback_id = FeedbackService(runtime.db).rate(
        trace_id="trace-service", request_id=None, rating=1, comment=None, api_key_id=None
    )
    with runtime.db.connection() as conn:
        row = conn.execute("SELECT trace_id, request_id, rating FROM feedback WHERE id = %s", (feedback_id,)).fetchone()
    assert row == ("trace-service", None, 1)
