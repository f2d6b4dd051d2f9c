import pytest

from ragops.rag.fusion import fuse_rankings
from ragops.types import Candidate


def candidate(chunk_id: int, similarity: float | None = None) -> Candidate:
    return Candidate(chunk_id, chunk_id, 0, f"text {chunk_id}", "t", "s", str(chunk_id), None, 0.0, similarity)


def test_rrf_scores_match_the_formula() -> None:
    dense = [candidate(1, 0.9), candidate(2, 0.8), candidate(3, 0.7)]
    keyword = [candidate(3), candidate(1)]

    fused = fuse_rankings([dense, keyword], k=60)

    scores = {c.chunk_id: c.score for c in fused}
    assert scores[1] == pytest.approx(1 / 61 + 1 / 62)
    assert scores[3] == pytest.approx(1 / 63 + 1 / 61)
    assert scores[2] == pytest.approx(1 / 62)
    assert [c.chunk_id for c in fused] == [1, 3, 2]


def test_rrf_keeps_the_dense_similarity_and_leaves_inputs_untouched() -> None:
    dense = [candidate(7, 0.66)]
    keyword = [candidate(7)]
    fused = fuse_rankings([keyword, dense])
    assert fused[0].similarity == 0.66
    assert dense[0].score == 0.0 and keyword[0].score == 0.0


def test_rrf_of_nothing_is_nothing() -> None:
    assert fuse_rankings([[], []]) == []
