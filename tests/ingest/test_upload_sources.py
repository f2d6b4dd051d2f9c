"""Uploaded .md/.txt/.pdf/.html files become SourceDocuments; bad ones become clear IngestErrors."""

import pytest
from fpdf import FPDF

from ragops.errors import IngestError
from ragops.ingest.sources.uploads import read_upload
from ragops.types import SourceDocument


def make_pdf(*paragraphs: str, title: str | None = None) -> bytes:
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 8, paragraph)
        pdf.ln()
    return bytes(pdf.output())


def test_markdown_title_comes_from_the_first_heading() -> None:
    # when
    document = read_upload(b"# Zebra migration\n\nZebras cross the river in July.", "notes/zebra.md")

    # then
    assert isinstance(document, SourceDocument)
    assert document.title == "Zebra migration"
    assert document.source == "upload"
    assert document.source_id == "notes/zebra.md"
    assert "July" in document.text


def test_pdf_text_and_metadata_title_are_extracted() -> None:
    raw = make_pdf("The Quokka protocol uses seventeen handshakes.", "Second paragraph here.", title="Quokka spec")

    document = read_upload(raw, "quokka.pdf")

    assert isinstance(document, SourceDocument)
    assert document.title == "Quokka spec"
    assert "seventeen handshakes" in document.text
    assert document.metadata["pages"] == 1
    assert document.metadata["format"] == "pdf"


def test_html_keeps_visible_text_and_drops_scripts_and_styles() -> None:
    raw = (
        b"<html><head><title>  Otter  facts </title><style>p{color:red}</style></head>"
        b"<body><script>var hidden = 'secret';</script><h1>Otters</h1><p>Otters hold hands &amp; sleep.</p>"
        b"<nav>Home</nav></body></html>"
    )

    document = read_upload(raw, "otters.html")

    assert isinstance(document, SourceDocument)
    assert document.title == "Otter facts"
    assert "Otters hold hands & sleep." in document.text
    assert "secret" not in document.text
    assert "color" not in document.text


@pytest.mark.parametrize(
    ("raw", "name", "message"),
    [
        (b"\xff\xfe\x00broken", "bad.txt", "not UTF-8"),
        (b"   \n", "empty.md", "empty file"),
        (b"%PDF-1.4 this is not really a pdf", "fake.pdf", "not a readable PDF"),
        (make_pdf(), "blank.pdf", "no text layer"),
        (b"<html><script>x()</script></html>", "blank.html", "no visible text"),
        (b"binary", "archive.zip", "unsupported file type"),
    ],
)
def test_unreadable_uploads_say_what_is_wrong(raw: bytes, name: str, message: str) -> None:
    result = read_upload(raw, name)

    assert isinstance(result, IngestError)
    assert message in str(result)
    assert name in str(result)


def test_every_page_of_a_long_pdf_is_read() -> None:
    raw = make_pdf(*(f"Page paragraph {i}. " * 40 for i in range(6)))

    document = read_upload(raw, "long.pdf")

    assert isinstance(document, SourceDocument)
    assert document.metadata["pages"] >= 2
    assert "Page paragraph 5" in document.text
