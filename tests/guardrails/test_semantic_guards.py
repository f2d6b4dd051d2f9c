"""Denied topics and output grounding with the real MiniLM embedder (and the real GGUF as judge)."""

from __future__ import annotations

import pytest

from ragops.config import DeniedTopic
from ragops.guardrails.grounding import EmbeddingSupport, GroundingGuard, JudgeSupport, claims_of
from ragops.guardrails.topics import DeniedTopicsGuard
from ragops.rag.prompts import load_prompt
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
    template = load_prompt("grounding_judge")
    judge = JudgeSupport(runtime.llm, lambda passages, claim: template.render(passages=passages, claim=claim))
    verdicts = judge(["Dense retrieval uses a dual encoder.", "BM25 was invented in 2021 by OpenAI."], PASSAGES)
    assert len(verdicts) == 2
    assert set(verdicts) <= {0.0, 1.0}
