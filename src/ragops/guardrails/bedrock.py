"""AWS Bedrock Guardrails through the ApplyGuardrail API, mapped onto the same Detection as the local guards."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from ragops.errors import ProviderError, ProviderTimeout
from ragops.guardrails.base import Detection

GuardrailSource = Literal["INPUT", "OUTPUT"]
_CONFIDENCE = {"NONE": 0.0, "LOW": 0.33, "MEDIUM": 0.66, "HIGH": 1.0}


def bedrock_runtime_client(region: str, *, timeout_s: float = 10.0, client: Any | None = None) -> Any:
    """A bedrock-runtime client (credentials from the standard AWS chain); `client` is returned as is (tests)."""
    if client is not None:
        return client
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=timeout_s, read_timeout=timeout_s, retries={"max_attempts": 2, "mode": "standard"})
    return boto3.client("bedrock-runtime", region_name=region, config=config)


class BedrockGuard:
    """One guardrail version applied to questions (source INPUT) or answers (source OUTPUT)."""

    def __init__(self, client: Any, guardrail_id: str, guardrail_version: str, source: GuardrailSource) -> None:
        self.client = client
        self.guardrail_id = guardrail_id
        self.guardrail_version = guardrail_version
        self.source = source

    def inspect(self, text: str, *, sources: Sequence[str] = ()) -> Detection:
        content: list[dict[str, Any]] = [{"text": {"text": text}}]
        if sources and self.source == "OUTPUT":
            # Contextual grounding needs the passages marked as grounding source.
            grounding = "\n\n".join(sources)
            content = [{"text": {"text": grounding, "qualifiers": ["grounding_source"]}}, *content]
        response = self._apply(content)
        reasons = tuple(_assessment_reasons(response.get("assessments", [])))
        if response.get("action") != "GUARDRAIL_INTERVENED":
            return Detection(triggered=False, score=_score(response.get("assessments", [])), reasons=reasons)
        outputs = response.get("outputs") or []
        masked = outputs[0].get("text") if outputs else None
        reasons = reasons or (response.get("actionReason") or "guardrail intervened",)
        # Intervening on a denied topic or a word carries no confidence: that is a certain finding.
        score = _score(response.get("assessments", [])) or 1.0
        return Detection(triggered=True, score=score, reasons=reasons, redacted=masked)

    def _apply(self, content: list[dict[str, Any]]) -> Mapping[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

        try:
            response: Mapping[str, Any] = self.client.apply_guardrail(
                guardrailIdentifier=self.guardrail_id,
                guardrailVersion=self.guardrail_version,
                source=self.source,
                content=content,
            )
        except (ConnectTimeoutError, ReadTimeoutError) as exc:
            raise ProviderTimeout(f"Bedrock guardrail {self.guardrail_id} did not answer in time: {exc}") from exc
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise ProviderError(
                f"Bedrock guardrail {self.guardrail_id} version {self.guardrail_version} failed ({code}): "
                f"check the id, version, region and the caller's bedrock:ApplyGuardrail permission"
            ) from exc
        except BotoCoreError as exc:
            raise ProviderError(f"Bedrock guardrail {self.guardrail_id} could not be called: {exc}") from exc
        return response


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
