"""Checks a pipeline version must pass before it is evaluated: its signature, smoke questions, its guardrails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ragops.config import RegistrySettings
from ragops.errors import RagopsError
from ragops.guardrails.pii import redact_pii
from ragops.rag.pipeline import QueryPipeline
from ragops.types import Answer, Query

QueryFor = Callable[[str], Query]  # a question as the version under test asks it


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def check_signature(inputs: list[str], outputs: list[str]) -> Check:
    """The logged model takes a `question` and returns an `answer`, so callers can rely on its shape."""
    passed = inputs == ["question"] and "answer" in outputs
    return Check("signature", passed, f"inputs {inputs}, outputs {outputs}")


def validate_pipeline(pipeline: QueryPipeline, query_for: QueryFor, policy: RegistrySettings) -> list[Check]:
    checks = [_smoke(pipeline, query_for, question) for question in policy.smoke_questions]
    checks += [_blocks(pipeline, query_for, probe) for probe in policy.must_block]
    checks += [_redacts(pipeline, query_for, probe) for probe in policy.must_redact]
    return checks


def _smoke(pipeline: QueryPipeline, query_for: QueryFor, question: str) -> Check:
    name = f"answers: {question}"
    answer = _answer(pipeline, query_for, question)
    if isinstance(answer, str):
        return Check(name, False, answer)
    if answer.blocked or answer.is_refusal or not answer.text.strip():
        return Check(name, False, f"refused or blocked: {answer.text[:120]!r}")
    return Check(name, True, f"{len(answer.citations)} passages, {len(answer.text)} characters")


def _blocks(pipeline: QueryPipeline, query_for: QueryFor, probe: str) -> Check:
    name = f"blocks: {probe}"
    answer = _answer(pipeline, query_for, probe)
    if isinstance(answer, str):
        return Check(name, False, answer)
    return Check(name, answer.blocked, "blocked" if answer.blocked else f"answered: {answer.text[:120]!r}")


def _redacts(pipeline: QueryPipeline, query_for: QueryFor, probe: str) -> Check:
    name = f"redacts: {probe}"
    answer = _answer(pipeline, query_for, probe)
    if isinstance(answer, str):
        return Check(name, False, answer)
    leaked = [text for text in (answer.question, answer.text) if redact_pii(text) != text]
    return Check(name, not leaked, "PII reached the model or the answer" if leaked else "redacted")


def _answer(pipeline: QueryPipeline, query_for: QueryFor, question: str) -> Answer | str:
    """The answer, or why there is none: a version that errors fails its check rather than the release."""
    try:
        return pipeline.answer(query_for(question))
    except RagopsError as exc:
        return f"failed: {exc}"
