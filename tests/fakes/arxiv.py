"""A fake arXiv API on 127.0.0.1: pages of Atom built from the real saved entries, paged like the real one.

The entries come verbatim from tests/data/arxiv-api/ (their ids renumbered when a test asks for more
papers than the samples hold). Faults queued with `fail_next` (503s, delays, malformed bodies) are
served one per request; `on_request` sees each request as it arrives (a test's fake clock reads it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from fpdf import FPDF

from tests.fakes.http_server import Exchange, FakeServer

SAMPLES = Path(__file__).parents[1] / "data" / "arxiv-api"
_ENTRY = re.compile(r"<entry>.*?</entry>", re.DOTALL)
_ID = re.compile(r"<id>http://arxiv.org/abs/([^<]+?)v\d+</id>")


def sample_entries() -> list[str]:
    """Every <entry> of the saved responses, as their XML text."""
    return [m[0] for path in sorted(SAMPLES.glob("*.xml")) for m in _ENTRY.finditer(path.read_text("utf-8"))]


def renumbered(count: int) -> list[str]:
    """`count` entries cycled from the samples, each under an id of its own: 2601.00000, 2601.00001, ..."""
    entries = sample_entries()
    out = []
    for number in range(count):
        entry = entries[number % len(entries)]
        old = _ID.search(entry)
        assert old is not None
        out.append(entry.replace(old[1], f"2601.{number:05d}"))
    return out


def entry_id(entry: str) -> str:
    found = _ID.search(entry)
    assert found is not None
    return found[1]


def feed(entries: list[str], total: int, start: int) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "  <title>fake arXiv query</title>\n"
        f'  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{total}'
        "</opensearch:totalResults>\n"
        f'  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{start}'
        "</opensearch:startIndex>\n" + "\n".join(entries) + "\n</feed>\n"
    ).encode("utf-8")


def pdf_bytes(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


class FakeArxivApi(FakeServer):
    """GET /api/query (search_query, id_list, start, max_results) and GET /pdf/<id>."""

    def __init__(self, entries: list[str] | None = None) -> None:
        super().__init__()
        self.entries = entries if entries is not None else sample_entries()
        self.on_request: Callable[[str], None] | None = None

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/query"

    def queries(self) -> list[dict[str, str]]:
        """The query parameters of every API request, in order."""
        return [
            {k: v[0] for k, v in parse_qs(urlsplit(r.path).query).items()}
            for r in self.requests
            if r.path.startswith("/api/query")
        ]

    def handle(self, exchange: Exchange) -> None:
        if self.on_request is not None:
            self.on_request(exchange.request.path)
        answered, _ = self.serve_fault(exchange, lambda fault: {"error": fault.message})
        if answered:
            return
        url = urlsplit(exchange.request.path)
        if url.path.startswith("/pdf/"):
            arxiv_id = url.path.removeprefix("/pdf/")
            exchange.send(200, "application/pdf", pdf_bytes(f"Full text of {arxiv_id}. " * 20))
            return
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        matches = self.entries
        if params.get("id_list"):
            wanted = params["id_list"].split(",")
            matches = [e for e in self.entries if entry_id(e) in wanted]
        start, size = int(params.get("start", 0)), int(params.get("max_results", 10))
        page = [e.replace("http://arxiv.org/pdf/", f"{self.url}/pdf/") for e in matches[start : start + size]]
        exchange.send(200, "application/atom+xml", feed(page, len(matches), start))
