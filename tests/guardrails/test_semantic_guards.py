"""Denied topics and output grounding with the real MiniLM embedder (and the real GGUF as judge)."""

from __future__ import annotations

import pytest

from ragops.config import DeniedTopic, GroundingGuardSettings
from ragops.guardrails.grounding import (
    EmbeddingSupport,
    GroundingGuard,
    JudgeSupport,
    LexicalSupport,
    claims_of,
    content_stems,
)
from ragops.guardrails.registry import GuardResources, build_policies
from ragops.guardrails.topics import DeniedTopicsGuard
from ragops.runtime import Runtime

PASSAGES = [
    "Dense retrieval encodes questions and passages into vectors with a dual encoder. "
    "Passages are ranked by the cosine similarity of their vectors to the question vector.",
    "BM25 scores passages by term frequency and inverse document frequency. "
    "Reciprocal rank fusion sums the inverse ranks of a passage in several rankings.",
]
TOPICS = [
    DeniedTopic(
        name="investment advice",
        description="Personal financial advice on which stocks or cryptocurrencies to buy or sell.",
        examples=("Which stocks should I buy this week?", "Should I invest my savings in bitcoin?"),
    )
]


@pytest.mark.parametrize(
    ("question", "denied"),
    [
        ("Is now a good time to put my savings into bitcoin?", True),
        ("Which shares should I buy today to get rich?", True),
        ("What is retrieval-augmented generation?", False),
        ("Which papers apply reinforcement learning to portfolio optimization?", False),
    ],
)
def test_denied_topics_by_similarity(runtime: Runtime, question: str, denied: bool) -> None:
    guard = DeniedTopicsGuard(runtime.embedder, TOPICS, threshold=0.5)
    detection = guard.inspect(question)
    assert detection.triggered is denied, detection.reasons
    assert "investment advice" in detection.reasons[0]


def test_claims_skip_markers_fragments_and_honest_refusals() -> None:
    answer = "Dense retrieval uses a dual encoder [1]. In short: yes. The passages do not cover training costs."
    assert claims_of(answer) == ["Dense retrieval uses a dual encoder."]


def test_content_stems_meet_across_inflections_spellings_and_number_formats() -> None:
    assert content_stems("The critics were optimised on 80,000 peptides") == content_stems(
        "critic optimizes 80.000 peptide"
    )
    assert "the" not in content_stems("the method uses the passages")


@pytest.mark.parametrize(
    ("claim", "supported"),
    [
        ("Dense retrieval ranks passages by the cosine similarity of their vectors.", True),  # paraphrase
        ("Reciprocal rank fusion adds up the inverse ranks of a passage across rankings.", True),
        ("Dense retrieval was introduced by Google in 2019 for web search.", False),  # invented facts
        ("The Eiffel Tower was completed in 1889 for the World's Fair.", False),  # off topic
        # Nearly every word is in one passage or the other, but no passage says it: mixed facts do not pass.
        ("BM25 inverse document frequency scores rely on a dual encoder of vectors.", False),
    ],
)
def test_lexical_support_needs_one_passage_to_carry_the_claim(claim: str, supported: bool) -> None:
    guard = GroundingGuard(LexicalSupport(), min_support=0.65, max_unsupported_ratio=0.0)
    detection = guard.inspect(claim, sources=PASSAGES)
    assert detection.triggered is not supported, detection.reasons


def test_default_grounding_is_lexical_and_loads_no_model() -> None:
    settings = GroundingGuardSettings()
    (policy,) = build_policies([settings], GuardResources(), "output")  # no embedder given: none needed
    assert (settings.method, settings.needs_embedder, settings.support_threshold) == ("lexical", False, 0.65)
    assert isinstance(policy.guard, GroundingGuard)
    assert isinstance(policy.guard.support, LexicalSupport)
    assert GroundingGuardSettings(method="embedding").needs_embedder


def test_grounded_answer_passes_and_invented_one_is_flagged(runtime: Runtime) -> None:
    guard = GroundingGuard(EmbeddingSupport(runtime.embedder), min_support=0.45, max_unsupported_ratio=0.0)
    grounded = guard.inspect(
        "Dense retrieval ranks passages by cosine similarity of vectors [1]. "
        "Reciprocal rank fusion sums inverse ranks across rankings [2].",
        sources=PASSAGES,
    )
    invented = guard.inspect(
        "Dense retrieval ranks passages by cosine similarity of vectors [1]. "
        "The Eiffel Tower was completed in 1889 for the World's Fair in Paris.",
        sources=PASSAGES,
    )
    assert not grounded.triggered, grounded.reasons
    assert grounded.reasons == ("2 of 2 sentences supported by the passages",)
    assert invented.triggered
    assert invented.score == 0.5
    assert invented.reasons[1].startswith("unsupported (support ")
    assert "Eiffel Tower" in invented.reasons[1]


def test_llm_judge_gives_a_verdict_per_claim(runtime: Runtime) -> None:
    assert runtime.llm is not None
    judge = JudgeSupport(runtime.llm)
    verdicts = judge(["Dense retrieval uses a dual encoder.", "BM25 was invented in 2021 by OpenAI."], PASSAGES)
    assert len(verdicts) == 2
    assert set(verdicts) <= {0.0, 1.0}
