"""AWS Bedrock Guardrails (the provider layer's ApplyGuardrail), mapped onto the same Detection as the local guards."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ragops.guardrails.base import Detection
from ragops.providers.bedrock import BedrockGuardrail, GuardrailContent, GuardrailSource

_CONFIDENCE = {"NONE": 0.0, "LOW": 0.33, "MEDIUM": 0.66, "HIGH": 1.0}


class BedrockGuard:
    """One guardrail version applied to questions (source INPUT) or answers (source OUTPUT)."""

    def __init__(self, guardrail: BedrockGuardrail, source: GuardrailSource) -> None:
        self.guardrail = guardrail
        self.source = source

    def inspect(self, text: str, *, sources: Sequence[str] = ()) -> Detection:
        content: list[GuardrailContent] = [{"text": {"text": text}}]
        if sources and self.source == "OUTPUT":
            # Contextual grounding needs the passages marked as grounding source.
            grounding = "\n\n".join(sources)
            content = [{"text": {"text": grounding, "qualifiers": ["grounding_source"]}}, *content]
        verdict = self.guardrail.apply(content, self.source)
        reasons = tuple(_assessment_reasons(verdict.assessments))
        if not verdict.intervened:
            return Detection(triggered=False, score=_score(verdict.assessments), reasons=reasons)
        masked = verdict.outputs[0] if verdict.outputs else None
        reasons = reasons or (verdict.action_reason or "guardrail intervened",)
        # Intervening on a denied topic or a word carries no confidence: that is a certain finding.
        score = _score(verdict.assessments) or 1.0
        return Detection(triggered=True, score=score, reasons=reasons, redacted=masked)


def _assessment_reasons(assessments: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    """One line per policy finding that Bedrock acted on, e.g. 'content filter PROMPT_ATTACK (HIGH): BLOCKED'."""
    for assessment in assessments:
        for topic in assessment.get("topicPolicy", {}).get("topics", []):
            yield f"denied topic {topic.get('name')}: {topic.get('action')}"
        for item in assessment.get("contentPolicy", {}).get("filters", []):
            yield f"content filter {item.get('type')} ({item.get('confidence')}): {item.get('action')}"
        words = assessment.get("wordPolicy", {})
        for word in [*words.get("customWords", []), *words.get("managedWordLists", [])]:
            yield f"word {word.get('match')!r}: {word.get('action')}"
        sensitive = assessment.get("sensitiveInformationPolicy", {})
        for entity in sensitive.get("piiEntities", []):
            yield f"PII {entity.get('type')}: {entity.get('action')}"
        for regex in sensitive.get("regexes", []):
            yield f"pattern {regex.get('name')}: {regex.get('action')}"
        for item in assessment.get("contextualGroundingPolicy", {}).get("filters", []):
            kind = str(item.get("type", "GROUNDING")).lower()
            score, threshold = float(item.get("score", 0.0)), float(item.get("threshold", 0.0))
            yield f"{kind} {score:.2f} (threshold {threshold:.2f}): {item.get('action')}"


def _score(assessments: Sequence[Mapping[str, Any]]) -> float:
    """Highest content-filter confidence, or 1 - the lowest grounding score; 0 when nothing was found."""
    scores = [0.0]
    for assessment in assessments:
        for item in assessment.get("contentPolicy", {}).get("filters", []):
            scores.append(_CONFIDENCE.get(str(item.get("confidence")), 0.0))
        for item in assessment.get("contextualGroundingPolicy", {}).get("filters", []):
            scores.append(1.0 - float(item.get("score", 1.0)))
    return max(scores)
