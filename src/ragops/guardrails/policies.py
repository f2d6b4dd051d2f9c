"""Run ordered guard policies over a stage's text and turn detections into verdicts and actions."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ragops.config import GuardAction
from ragops.guardrails.base import Guard
from ragops.tracing.metrics import record_guard_block
from ragops.types import Candidate, GuardOutcome, GuardStage, GuardVerdict

_OUTCOME: dict[GuardAction, GuardOutcome] = {"block": "blocked", "redact": "redacted", "flag": "flagged"}
MAX_CHUNK_REASONS = 5


def refusal(verdict: GuardVerdict) -> str:
    """The answer text a blocked request gets: which guard stopped it and why."""
    why = verdict.reasons[0] if verdict.reasons else "policy violation"
    if verdict.stage == "output":
        return f"The generated answer was withheld by the {verdict.guard!r} guardrail ({why})."
    return f"This request was blocked by the {verdict.guard!r} guardrail ({why}). Please rephrase your question."


@dataclass(frozen=True)
class GuardPolicy:
    name: str
    kind: str
    action: GuardAction
    guard: Guard


@dataclass(frozen=True)
class Screened:
    """A stage's text after its policies ran (redactions applied), their verdicts, and the block if any."""

    text: str
    verdicts: list[GuardVerdict]
    blocked_by: GuardVerdict | None = None

    @property
    def blocked(self) -> bool:
        return self.blocked_by is not None


def run_policies(
    policies: Sequence[GuardPolicy], text: str, stage: GuardStage, sources: Sequence[str] = ()
) -> Screened:
    """Each policy sees the text as redacted by the ones before it; the first block stops the rest."""
    verdicts: list[GuardVerdict] = []
    for policy in policies:
        started = time.perf_counter()
        detection = policy.guard.inspect(text, sources=sources)
        outcome: GuardOutcome = _OUTCOME[policy.action] if detection.triggered else "passed"
        if outcome == "redacted":
            if detection.redacted is None:
                outcome = "flagged"  # the guard found something but could not say where
            else:
                text = detection.redacted
        verdict = GuardVerdict(
            guard=policy.name,
            kind=policy.kind,
            stage=stage,
            outcome=outcome,
            score=round(detection.score, 4),
            reasons=detection.reasons,
            latency_ms=round((time.perf_counter() - started) * 1000.0, 3),
        )
        verdicts.append(verdict)
        if outcome == "blocked":
            return Screened(text, verdicts, verdict)
    return Screened(text, verdicts)


@dataclass(frozen=True)
class GuardrailLayer:
    """The guard policies of each stage, built once; blocks are counted in Prometheus (ragops_guard_blocks)."""

    input: Sequence[GuardPolicy] = ()
    chunks: Sequence[GuardPolicy] = ()
    output: Sequence[GuardPolicy] = ()

    def check_input(self, question: str) -> Screened:
        return self._counted(run_policies(self.input, question, "input"))

    def check_output(self, answer: str, passages: Sequence[str]) -> Screened:
        return self._counted(run_policies(self.output, answer, "output", passages))

    def filter_chunks(self, candidates: Sequence[Candidate]) -> tuple[list[Candidate], list[GuardVerdict]]:
        """Passages with blocked ones dropped and redactions applied; one verdict per policy over all of them."""
        kept = list(candidates)
        verdicts = []
        for policy in self.chunks:
            started = time.perf_counter()
            screened = [(c, run_policies([policy], c.text, "chunks")) for c in kept]
            kept = [replace(c, text=s.text) for c, s in screened if not s.blocked]
            hits = [(c, s.verdicts[0]) for c, s in screened if s.verdicts[0].outcome != "passed"]
            outcome: GuardOutcome = hits[0][1].outcome if hits else "passed"
            reasons = tuple(f"chunk {c.chunk_id} ({c.title[:60]}): {'; '.join(v.reasons)}" for c, v in hits)
            verdicts.append(
                GuardVerdict(
                    guard=policy.name,
                    kind=policy.kind,
                    stage="chunks",
                    outcome=outcome,
                    score=max((s.verdicts[0].score for _, s in screened), default=0.0),
                    reasons=reasons[:MAX_CHUNK_REASONS],
                    latency_ms=round((time.perf_counter() - started) * 1000.0, 3),
                )
            )
            if outcome == "blocked":
                record_guard_block(policy.name, "chunks", len(hits))
        return kept, verdicts

    def _counted(self, screened: Screened) -> Screened:
        if screened.blocked_by is not None:
            record_guard_block(screened.blocked_by.guard, screened.blocked_by.stage)
        return screened
