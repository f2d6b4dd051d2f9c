"""Build guards from config by `kind`: a name -> factory table, heavy parts only when chosen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ragops.config import (
    BedrockGuardSettings,
    DeniedTopicsGuardSettings,
    GroundingGuardSettings,
    GuardrailsSettings,
    GuardSettings,
    InjectionGuardSettings,
    PiiGuardSettings,
)
from ragops.errors import ConfigError, UnknownProviderError
from ragops.guardrails.base import Guard
from ragops.guardrails.policies import GuardPolicy, GuardrailLayer
from ragops.providers.base import ChatModel, Embedder
from ragops.types import GuardStage

if TYPE_CHECKING:
    from ragops.providers.aws import AwsClients


@dataclass(frozen=True)
class GuardResources:
    """The long-lived parts guards may use; `bedrock_clients` replaces the AWS clients a Bedrock guard builds
    from its settings (tests)."""

    embedder: Embedder | None = None
    llm: ChatModel | None = None
    bedrock_clients: AwsClients | None = None

    def require_embedder(self, kind: str) -> Embedder:
        if self.embedder is None:
            raise ConfigError(f"the {kind} guard needs the embedder: build guardrails with the runtime's embedder")
        return self.embedder


def _pii(settings: PiiGuardSettings, resources: GuardResources, stage: GuardStage) -> Guard:
    from ragops.guardrails.pii import PiiGuard

    return PiiGuard(settings.entities)


def _injection(settings: InjectionGuardSettings, resources: GuardResources, stage: GuardStage) -> Guard:
    from ragops.guardrails.exemplars import ExemplarVote, load_exemplars
    from ragops.guardrails.injection import InjectionGuard

    if not settings.knn:
        return InjectionGuard(settings.threshold)
    if stage != "input":
        raise ConfigError(
            f"guardrails {stage}: the injection guard's knn needs the question's vector: input stage only"
        )
    vote = ExemplarVote(resources.require_embedder(settings.kind), load_exemplars(), settings.knn_k)
    return InjectionGuard(settings.threshold, vote, settings.knn_min_vote, settings.knn_min_similarity)


def _denied_topics(settings: DeniedTopicsGuardSettings, resources: GuardResources, stage: GuardStage) -> Guard:
    from ragops.guardrails.topics import DeniedTopicsGuard

    return DeniedTopicsGuard(resources.require_embedder(settings.kind), settings.topics, settings.threshold)


def _grounding(settings: GroundingGuardSettings, resources: GuardResources, stage: GuardStage) -> Guard:
    from ragops.guardrails.grounding import (
        EmbeddingSupport,
        GroundingGuard,
        JudgeSupport,
        LexicalSupport,
        SupportScorer,
    )

    support: SupportScorer
    if settings.method == "llm_judge":
        if resources.llm is None:
            raise ConfigError("guardrails grounding method llm_judge needs the LLM: open the runtime with it")
        support = JudgeSupport(resources.llm)
    elif settings.method == "embedding":
        support = EmbeddingSupport(resources.require_embedder(settings.kind))
    else:
        support = LexicalSupport()
    return GroundingGuard(support, settings.support_threshold, settings.max_unsupported_ratio)


def _bedrock(settings: BedrockGuardSettings, resources: GuardResources, stage: GuardStage) -> Guard:
    from ragops.guardrails.bedrock import BedrockGuard
    from ragops.providers.bedrock import BedrockGuardrail, GuardrailSource

    guardrail = BedrockGuardrail(
        settings, settings.guardrail_id, settings.guardrail_version, clients=resources.bedrock_clients
    )
    source: GuardrailSource = "OUTPUT" if stage == "output" else "INPUT"
    return BedrockGuard(guardrail, source)


GUARD_FACTORIES: dict[str, Callable[[Any, GuardResources, GuardStage], Guard]] = {
    "pii": _pii,
    "injection": _injection,
    "denied_topics": _denied_topics,
    "grounding": _grounding,
    "bedrock": _bedrock,
}


def build_policies(
    settings: Sequence[GuardSettings], resources: GuardResources, stage: GuardStage
) -> list[GuardPolicy]:
    policies = []
    for policy in settings:
        factory = GUARD_FACTORIES.get(policy.kind)
        if factory is None:
            known = ", ".join(sorted(GUARD_FACTORIES))
            raise UnknownProviderError(f"unknown guard kind {policy.kind!r}; known: {known}")
        policies.append(GuardPolicy(policy.label, policy.kind, policy.action, factory(policy, resources, stage)))
    return policies


def build_guardrails(settings: GuardrailsSettings, resources: GuardResources) -> GuardrailLayer:
    return GuardrailLayer(
        input=build_policies(settings.input, resources, "input"),
        chunks=build_policies(settings.chunks, resources, "chunks"),
        output=build_policies(settings.output, resources, "output"),
    )


def ingest_redactor(settings: GuardrailsSettings) -> Callable[[str], str] | None:
    """The PII redaction applied to documents before storage, when `redact_pii_on_ingest` is set."""
    if not settings.redact_pii_on_ingest:
        return None
    from ragops.guardrails.pii import redact_pii

    return redact_pii
