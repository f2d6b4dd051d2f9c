from ragops.rag.context import assemble_context
from ragops.types import Candidate


def candidate(chunk_id: int, words: int) -> Candidate:
    return Candidate(chunk_id, chunk_id, 0, "word " * words, f"Title {chunk_id}", "arxiv", str(chunk_id), None, 1.0)


def count_words(text: str) -> int:
    return len(text.split())


def test_passages_are_numbered_in_order() -> None:
    context = assemble_context([candidate(5, 3), candidate(9, 3)], count_words, budget_tokens=100)
    assert [c.chunk_id for c in context.passages] == [5, 9]
    assert context.text.startswith("[1] Title 5\n")
    assert "\n\n[2] Title 9\n" in context.text


def test_passages_stop_at_the_budget_but_the_best_always_goes_in() -> None:
    many = [candidate(i, 40) for i in range(1, 6)]
    # each passage costs 40 words + 3 header words + 2 separator = 45
    context = assemble_context(many, count_words, budget_tokens=100)
    assert [c.chunk_id for c in context.passages] == [1, 2]
    tiny = assemble_context(many, count_words, budget_tokens=5)
    assert [c.chunk_id for c in tiny.passages] == [1]
