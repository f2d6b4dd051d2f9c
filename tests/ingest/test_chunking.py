import itertools

import pytest

from ragops.ingest.chunking import chunk_text
from ragops.runtime import Runtime

TEXT = (
    "Retrieval-augmented generation grounds a language model in passages fetched from an external corpus. "
    "Hybrid retrieval fuses lexical and dense rankings, and reranking reorders the fused candidates. "
) * 12


def spans_of(runtime: Runtime, text: str) -> list[tuple[int, int]]:
    return runtime.embedder.token_spans(text)


def test_chunks_never_exceed_the_token_budget(runtime: Runtime) -> None:
    chunks = chunk_text(TEXT, spans_of(runtime, TEXT), max_tokens=60, overlap_tokens=10)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.token_count <= 60
        # measured again in the embedder's own tokenizer
        assert len(spans_of(runtime, chunk.text)) <= 60


def test_chunks_overlap_and_cover_the_text(runtime: Runtime) -> None:
    chunks = chunk_text(TEXT, spans_of(runtime, TEXT), max_tokens=60, overlap_tokens=10)
    for previous, following in itertools.pairwise(chunks):
        tail_words = previous.text.split()[-3:]
        assert " ".join(tail_words) in following.text  # the overlap carries the previous tail
    assert chunks[0].text.startswith("Retrieval-augmented")
    assert chunks[-1].text.endswith("candidates.")
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_chunk_edges_fall_between_words(runtime: Runtime) -> None:
    words = set(TEXT.split())
    chunks = chunk_text(TEXT, spans_of(runtime, TEXT), max_tokens=37, overlap_tokens=7)
    for chunk in chunks:
        first, last = chunk.text.split()[0], chunk.text.split()[-1]
        assert first in words, first
        assert last in words, last


def test_a_short_text_is_one_chunk(runtime: Runtime) -> None:
    text = "A short abstract about dense retrieval."
    chunks = chunk_text(text, spans_of(runtime, text), max_tokens=200, overlap_tokens=32)
    assert [c.text for c in chunks] == [text]
    assert chunks[0].token_count == len(spans_of(runtime, text))


def test_identical_text_gives_identical_hashes(runtime: Runtime) -> None:
    first = chunk_text(TEXT, spans_of(runtime, TEXT), 50, 5)
    second = chunk_text(TEXT, spans_of(runtime, TEXT), 50, 5)
    assert [c.content_hash for c in first] == [c.content_hash for c in second]


def test_empty_text_has_no_chunks() -> None:
    assert chunk_text("", [], max_tokens=10, overlap_tokens=2) == []


def test_a_non_positive_budget_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        chunk_text("text", [(0, 4)], max_tokens=0, overlap_tokens=0)
