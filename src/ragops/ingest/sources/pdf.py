"""PDF files: the text layer of every page (pypdf); scanned PDFs without one are refused."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ragops.errors import IngestError

# pypdf logs every recoverable oddity of real-world PDFs as a warning.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def extract_pdf_text(raw: bytes, where: str) -> tuple[str, str | None, int] | IngestError:
    """(text, title from the PDF's metadata, page count), or the reason there is none."""
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            return IngestError("the PDF is encrypted; remove the password and upload it again", where)
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        return IngestError(f"not a readable PDF ({type(exc).__name__}: {exc})", where)
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        return IngestError("the PDF has no text layer (scanned?); run OCR on it first", where)
    return text, (title.strip() or None) if title else None, len(pages)
