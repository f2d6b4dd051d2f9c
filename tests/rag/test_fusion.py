import pytest

from ragops.rag.fusion import best_chunk_per_document, fuse, fuse_rankings, fuse_scores
from ragops.types import Candidate


def _c(chunk_id: int, score: float = 0.0, document_id: int | None = None, similarity: float | None = None) -> Candidate:
    doc = chunk_id if document_id is None else document_id
    return Candidate(chunk_id, doc, 0, f"text {chunk_id}", f"title {doc}", "test", str(doc), None, score, similarity)


def test_weighted_rrf_sums_weight_over_k_plus_rank() -> None:
    dense = [_c(1, similarity=0.9), _c(2, similarity=0.8)]
    keyword = [_c(2), _c(3)]
    fused = fuse_rankings([dense, keyword], k=60, weights=[1.0, 2.0])
    scores = {c.chunk_id: c.score for c in fused}
    assert scores[1] == pytest.approx(1 / 61)
    assert scores[2] == pytest.approx(1 / 62 + 2 / 61)
    assert scores[3] == pytest.approx(2 / 62)
    assert [c.chunk_id for c in fused] == [2, 3, 1]
    assert next(c for c in fused if c.chunk_id == 2).similarity == 0.8  # kept from the dense list


def test_minmax_fusion_gives_missing_chunks_the_floor() -> None:
    dense = [_c(1, 0.9), _c(2, 0.5), _c(3, 0.1)]
    keyword = [_c(3, 12.0), _c(4, 2.0)]
    fused = fuse_scores([dense, keyword], "minmax", weights=[0.5, 0.5])
    scores = {c.chunk_id: c.score for c in fused}
    assert scores[1] == pytest.approx(0.5 * 1.0 + 0.5 * 0.0)
    assert scores[2] == pytest.approx(0.5 * 0.5)
    assert scores[3] == pytest.approx(0.5 * 0.0 + 0.5 * 1.0)
    assert scores[4] == pytest.approx(0.0)


def test_zscore_fusion_standardises_each_list() -> None:
    fused = fuse_scores([[_c(1, 3.0), _c(2, 1.0)], [_c(2, 100.0), _c(1, 0.0)]], "zscore")
    scores = {c.chunk_id: c.score for c in fused}
    assert scores[1] == pytest.approx(0.0)  # +1 in one list, -1 in the other
    assert scores[2] == pytest.approx(0.0)


@pytest.mark.parametrize("fuse", [lambda r: fuse_rankings(r), lambda r: fuse_scores(r, "minmax")])
def test_fusion_of_empty_rankings_is_empty(fuse) -> None:  # type: ignore[no-untyped-def]
    assert fuse([[], []]) == []
    assert [c.chunk_id for c in fuse([[], [_c(7, 1.0)]])] == [7]


def test_weights_must_match_the_rankings() -> None:
    with pytest.raises(ValueError, match="one weight per ranking"):
        fuse_rankings([[_c(1)]], weights=[1.0, 1.0])


def test_best_chunk_per_document_keeps_the_first() -> None:
    ranking = [_c(1, document_id=10), _c(2, document_id=20), _c(3, document_id=10)]
    assert [c.chunk_id for c in best_chunk_per_document(ranking)] == [1, 2]


@pytest.mark.parametrize("method", ["rrf", "minmax", "zscore"])
def test_fusing_by_document_joins_different_chunks_of_one_document(method: str) -> None:
    # given: dense likes chunk 1 of document 10, keyword likes chunk 2 of the same document
    dense = [_c(1, 0.9, document_id=10, similarity=0.9), _c(3, 0.5, document_id=30, similarity=0.5)]
    keyword = [_c(2, 8.0, document_id=10), _c(4, 1.0, document_id=40)]
    # when
    fused = fuse([dense, keyword], method, k=60, weights=[1.0, 1.0], by="document")  # type: ignore[arg-type]
    by_chunk = fuse([dense, keyword], method, k=60, weights=[1.0, 1.0], by="chunk")  # type: ignore[arg-type]
    # then: document 10 is one item, shown by its best dense chunk, first with both lists' evidence
    assert fused[0].document_id == 10 and fused[0].chunk_id == 1 and len(fused) == 3
    assert fused[0].similarity == 0.9
    assert len(by_chunk) == 4
    assert fused[0].score > max(c.score for c in by_chunk if c.document_id == 10)
