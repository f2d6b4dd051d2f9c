"""Uploaded files (.md, .txt, .pdf, .html) as SourceDocuments, picked by file suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from ragops.errors import IngestError
from ragops.ingest.sources.files import decode_text, markdown_title
from ragops.ingest.sources.html import extract_html_text
from ragops.ingest.sources.pdf import extract_pdf_text
from ragops.types import SourceDocument

SOURCE = "upload"


def _text(raw: bytes, name: str) -> SourceDocument | IngestError:
    text = decode_text(raw, name)
    if isinstance(text, IngestError):
        return text
    return _document(name, markdown_title(text, PurePath(name).stem), text, {"format": "text"})


def _pdf(raw: bytes, name: str) -> SourceDocument | IngestError:
    extracted = extract_pdf_text(raw, name)
    if isinstance(extracted, IngestError):
        return extracted
    text, title, pages = extracted
    return _document(name, title or markdown_title(text, PurePath(name).stem), text, {"format": "pdf", "pages": pages})


def _html(raw: bytes, name: str) -> SourceDocument | IngestError:
    extracted = extract_html_text(raw, name)
    if isinstance(extracted, IngestError):
        return extracted
    text, title = extracted
    return _document(name, title or PurePath(name).stem, text, {"format": "html"})


def _document(name: str, title: str, text: str, metadata: dict[str, object]) -> SourceDocument:
    return SourceDocument(
        source=SOURCE, source_id=name, title=title, text=text, metadata={"filename": name, **metadata}
    )


READERS: dict[str, Callable[[bytes, str], SourceDocument | IngestError]] = {
    ".md": _text,
    ".markdown": _text,
    ".txt": _text,
    ".pdf": _pdf,
    ".html": _html,
    ".htm": _html,
}


def upload_reader(filename: str) -> Callable[[bytes, str], SourceDocument | IngestError] | None:
    """The reader for this file name's suffix, or None when the format is not supported."""
    return READERS.get(PurePath(filename).suffix.lower())


def read_upload(raw: bytes, filename: str) -> SourceDocument | IngestError:
    reader = upload_reader(filename)
    if reader is None:
        supported = ", ".join(sorted(READERS))
        return IngestError(f"unsupported file type; upload one of {supported}", filename)
    return reader(raw, filename)
