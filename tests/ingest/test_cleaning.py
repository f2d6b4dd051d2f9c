import unicodedata

from ragops.ingest.cleaning import clean_line, clean_text


def test_clean_text_normalises_to_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "café naïve")
    assert clean_text(decomposed) == "café naïve"
    assert unicodedata.is_normalized("NFC", clean_text(decomposed))


def test_clean_text_drops_control_and_zero_width_characters() -> None:
    assert clean_text("re\x00trie\u200bval\x07 aug\ufeffmented") == "retrieval augmented"


def test_clean_text_collapses_spaces_but_keeps_paragraphs() -> None:
    text = "  first\t\tline  \r\n\r\n\r\n\n  second\u00a0 paragraph  "
    assert clean_text(text) == "first line\n\nsecond paragraph"


def test_clean_line_folds_onto_one_line() -> None:
    assert clean_line("A title\nsplit  over\n\nlines") == "A title split over lines"
