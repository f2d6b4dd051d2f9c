"""Token-aware chunking: windows measured in the embedder's own tokens, with overlap."""

from __future__ import annotations

import hashlib

from ragops.types import ChunkDraft

TokenSpans = list[tuple[int, int]]


def chunk_text(text: str, spans: TokenSpans, max_tokens: int, overlap_tokens: int) -> list[ChunkDraft]:
    """Cut `text` into windows of at most `max_tokens` tokens that overlap by about `overlap_tokens`.

    `spans` are the (start, end) character offsets of the tokens of `text`. Window edges move back to
    the start of a word when one is near, so no word is split between chunks.
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be positive")
    overlap_tokens = min(overlap_tokens, max_tokens // 2)
    chunks: list[ChunkDraft] = []
    start = 0
    while start < len(spans):
        end = min(start + max_tokens, len(spans))
        if end < len(spans):
            end = _word_start_at_or_before(text, spans, end, floor=start + max_tokens // 2)
        piece = text[spans[start][0] : spans[end - 1][1]].strip()
        if piece:
            chunks.append(ChunkDraft(len(chunks), piece, end - start, content_hash(piece)))
        if end >= len(spans):
            break
        next_start = _word_start_at_or_before(text, spans, end - overlap_tokens, floor=start + 1)
        start = max(next_start, start + 1)  # always move forward
    return chunks


def _word_start_at_or_before(text: str, spans: TokenSpans, index: int, floor: int) -> int:
    """The largest i in [floor, index] where token i begins a word; `index` if none does."""
    for i in range(index, max(floor, 1) - 1, -1):
        begin = spans[i][0]
        if begin == 0 or text[begin - 1].isspace():
            return i
    return index


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
