"""Span attributes for the stages, named after the OpenTelemetry GenAI semantic conventions where they apply."""

from __future__ import annotations

from collections.abc import Sequence

from ragops.tracing.spans import AttributeValue
from ragops.types import Candidate, GuardVerdict

MAX_LISTED_CANDIDATES = 50  # a span is not a result dump: enough to see what ranked where


def candidate_attributes(candidates: Sequence[Candidate]) -> dict[str, AttributeValue]:
    listed = candidates[:MAX_LISTED_CANDIDATES]
    return {
        "ragops.retrieval.count": len(candidates),
        "ragops.retrieval.chunk_ids": [c.chunk_id for c in listed],
        "ragops.retrieval.scores": [round(c.score, 6) for c in listed],
    }


def generation_attributes(
    *,
    model_id: str,
    input_tokens: int,
    output_tokens: int,
    finish_reason: str,
    max_tokens: int,
    temperature: float,
) -> dict[str, AttributeValue]:
    """gen_ai.* attributes of one chat call; the provider is the model id's prefix (`llama_cpp/...`)."""
    provider = model_id.split("/", 1)[0] if "/" in model_id else "unknown"
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": model_id,
        "gen_ai.request.max_tokens": max_tokens,
        "gen_ai.request.temperature": temperature,
        "gen_ai.usage.input_tokens": input_tokens,
        "gen_ai.usage.output_tokens": output_tokens,
        "gen_ai.response.finish_reasons": [finish_reason],
    }


def guard_attributes(verdicts: Sequence[GuardVerdict]) -> dict[str, AttributeValue]:
    """`ragops.guard.<stage>.<guard>` = outcome, for the guards that did something (passed ones are the norm)."""
    return {f"ragops.guard.{v.stage}.{v.guard}": v.outcome for v in verdicts if v.outcome != "passed"}
