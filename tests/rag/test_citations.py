from ragops.rag.citations import cited_numbers


def test_valid_markers_are_kept_and_reported() -> None:
    text, cited = cited_numbers("RAG grounds answers [1]. Hybrid search helps [2, 3].", passages=3)
    assert cited == {1, 2, 3}
    assert text == "RAG grounds answers [1]. Hybrid search helps [2, 3]."


def test_markers_naming_no_passage_are_removed() -> None:
    text, cited = cited_numbers("Claim [4]. Other claim [2, 9]. Zero [0].", passages=3)
    assert cited == {2}
    assert text == "Claim . Other claim [2]. Zero ."


def test_text_without_markers_cites_nothing() -> None:
    assert cited_numbers("No citations here.", passages=2) == ("No citations here.", set())
