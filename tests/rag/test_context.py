from ragops.rag.context import (
    assemble_context,
    drop_duplicates,
    join_overlapping,
    merge_adjacent_chunks,
    order_for_edges,
)
from ragops.types import Candidate


def _c(chunk_id: int, text: str, document_id: int = 1, ordinal: int = 0, score: float = 1.0) -> Candidate:
    return Candidate(chunk_id, document_id, ordinal, text, f"Doc {document_id}", "test", str(document_id), None, score)


def _words(text: str) -> int:
    return len(text.split())


def test_duplicates_and_contained_chunks_are_dropped() -> None:
    kept = drop_duplicates(
        [
            _c(1, "Graph neural networks learn on graphs."),
            _c(1, "Graph neural networks learn on graphs."),  # the same chunk twice
            _c(2, "graph  neural networks learn on GRAPHS.", document_id=2),  # same text, other document
            _c(3, "networks learn", document_id=1, ordinal=5),  # inside a better chunk of its document
            _c(4, "networks learn", document_id=3),  # other document: kept
        ]
    )
    assert [c.chunk_id for c in kept] == [1, 4]


def test_adjacent_chunks_merge_without_repeating_their_overlap() -> None:
    first = _c(10, "alpha beta gamma delta", ordinal=0, score=0.4)
    second = _c(11, "gamma delta epsilon zeta", ordinal=1, score=0.9)
    third = _c(12, "epsilon zeta eta", ordinal=2, score=0.2)
    other = _c(20, "unrelated", document_id=2, ordinal=1)
    merged = merge_adjacent_chunks([second, other, first, third])
    assert [c.chunk_id for c in merged] == [11, 20]  # at the better chunk's rank
    assert merged[0].text == "alpha beta gamma delta epsilon zeta eta"
    assert (merged[0].ordinal, merged[0].merged_chunks, merged[0].score) == (0, 3, 0.9)


def test_a_documents_chunks_join_back_into_its_text() -> None:
    text = "Dense retrieval embeds passages. Keyword search counts words. Fusion combines both rankings."
    chunks = [text[0:45], text[33:75], text[62:]]  # windows overlapping by a few words, as chunking cuts them

    assert join_overlapping(chunks) == text
    assert join_overlapping(["first part.", "second part."]) == "first part. second part."  # no overlap: a space
    assert join_overlapping([]) == ""


def test_non_adjacent_chunks_stay_apart() -> None:
    merged = merge_adjacent_chunks([_c(1, "one", ordinal=0), _c(3, "three", ordinal=2)])
    assert [c.chunk_id for c in merged] == [1, 3]


def test_edges_order_puts_the_best_first_and_last() -> None:
    ranked = [_c(i, f"p{i}", document_id=i) for i in range(1, 6)]
    assert [c.chunk_id for c in order_for_edges(ranked)] == [1, 3, 5, 4, 2]


def test_budget_keeps_best_passages_and_numbers_them_in_prompt_order() -> None:
    ranked = [_c(i, " ".join([f"word{i}"] * 20), document_id=i) for i in range(1, 6)]
    context = assemble_context(ranked, _words, budget_tokens=3 * 26, order="edges")
    # each block: "[n] Doc i" (3 words) + 20 words + 2 = 25 tokens: three fit
    assert [c.chunk_id for c in context.passages] == [1, 3, 2]
    assert context.text.startswith("[1] Doc 1\n")
    assert "[3] Doc 2\n" in context.text


def test_first_passage_is_kept_even_over_budget() -> None:
    context = assemble_context([_c(1, "many words " * 50)], _words, budget_tokens=5)
    assert len(context.passages) == 1
