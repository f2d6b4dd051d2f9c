"""Ratings of answers, stored with the trace or request id the client received."""

from __future__ import annotations

from fastapi import APIRouter

from ragops.api.auth import ApiKeyDep
from ragops.api.deps import FeedbackDep
from ragops.api.schemas import FeedbackRequest, FeedbackResponse, problem_responses

router = APIRouter(prefix="/v1", tags=["feedback"])


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackResponse,
    responses=problem_responses(401, 422, 429, 503),
)
def post_feedback(request: FeedbackRequest, feedback: FeedbackDep, api_key: ApiKeyDep) -> FeedbackResponse:
    """Rate an answer (1 helpful, -1 not), with an optional comment."""
    feedback_id = feedback.rate(
        trace_id=request.trace_id,
        request_id=request.request_id,
        rating=request.rating,
        comment=request.comment,
        api_key_id=api_key.id if api_key else None,
    )
    return FeedbackResponse(id=feedback_id)
