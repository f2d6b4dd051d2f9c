"""arXiv API fetcher: a query's pages into the raw store, politely, resumably, nothing written twice.

Each page is written in one transaction together with the cursor that says where the next page
starts, so a killed fetch resumes at the first page it had not stored. The cursor is removed once
the query is done: running it again later starts over and writes only what changed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from ragops.collect.arxiv_feed import ArxivEntry, ArxivPage, MalformedFeed, parse_feed
from ragops.collect.http import Fetched, PoliteClient, UnreadableResponse
from ragops.errors import CollectError, IngestError
from ragops.ingest.sources.pdf import extract_pdf_text
from ragops.store import raw_documents as raw_repo
from ragops.store.database import Database
from ragops.types import RawDocument

SOURCE_KIND = "arxiv"
FULL_TEXT_KIND = "arxiv_fulltext"
# arXiv's API terms: "no more than one request every three seconds", on a single connection.
POLITE_INTERVAL_S = 3.0
MAX_PDF_BYTES = 50_000_000

ProgressCallback = Callable[[int, int, int], None]  # (entries, bytes) since the last call, entries wanted


def polite_interval(url: str, configured_s: float) -> float:
    """The configured spacing, never under arXiv's 3 s when the URL is arXiv's own host."""
    host = urlsplit(url).hostname or ""
    is_arxiv = host == "arxiv.org" or host.endswith(".arxiv.org")
    return max(configured_s, POLITE_INTERVAL_S) if is_arxiv else configured_s


@dataclass(frozen=True)
class ArxivQuery:
    """What to fetch: a search (arXiv query syntax), a list of ids, or both (the ids that match)."""

    search: str | None = None
    id_list: tuple[str, ...] = ()
    since: date | None = None  # submitted on or after
    max_results: int = 100

    def __post_init__(self) -> None:
        if not (self.search and self.search.strip()) and not self.id_list:
            raise ValueError("give a search with --query 'cat:cs.IR AND abs:retrieval', or ids with --id-list")
        if self.max_results < 1:
            raise ValueError(f"--max must be at least 1, not {self.max_results}")

    @property
    def search_query(self) -> str:
        parts = [f"({self.search.strip()})"] if self.search and self.search.strip() else []
        if self.since is not None:
            parts.append(f"submittedDate:[{self.since:%Y%m%d}0000 TO 999912312359]")
        return " AND ".join(parts)

    @property
    def key(self) -> str:
        """Names the query for its resume cursor: the same command resumes, another one does not."""
        return json.dumps([self.search_query, list(self.id_list), self.max_results])

    def params(self, start: int, size: int) -> dict[str, str]:
        params = {"start": str(start), "max_results": str(size)}
        if self.search_query:
            # Newest first: the order `--max` cuts, and one new submissions only shift (dedup absorbs that).
            params |= {"search_query": self.search_query, "sortBy": "submittedDate", "sortOrder": "descending"}
        if self.id_list:
            params["id_list"] = ",".join(self.id_list)
        return params


@dataclass
class FetchReport:
    resumed_from: int = 0
    pages: int = 0
    entries: int = 0
    written: int = 0  # new raw records: abstracts and full texts
    unchanged: int = 0  # fetched again with the same content: not written
    full_texts: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


class ArxivFetcher:
    """Fetches a query page by page into `collection` of the raw store."""

    def __init__(self, db: Database, http: PoliteClient, *, url: str, page_size: int, collection: str) -> None:
        self.db = db
        self.http = http
        self.url = url
        self.page_size = page_size
        self.collection = collection

    def fetch(
        self, query: ArxivQuery, *, full_text: bool = False, on_progress: ProgressCallback | None = None
    ) -> FetchReport:
        started = time.perf_counter()
        with self.db.connection() as conn:
            start = raw_repo.read_cursor(conn, self.collection, SOURCE_KIND, query.key) or 0
        report = FetchReport(resumed_from=start)
        wanted = min(query.max_results, len(query.id_list)) if query.id_list else query.max_results
        while start < wanted:
            page, size_bytes = self._page(query, start, min(self.page_size, wanted - start))
            entries = [
                e for e in page.entries[: wanted - start] if query.since is None or e.published.date() >= query.since
            ]
            records = [self._abstract(entry) for entry in entries]
            if full_text:
                records += self._full_texts(entries, report)
            start += len(page.entries)
            is_done = not page.entries or start >= min(wanted, page.total)
            with self.db.connection() as conn, conn.transaction():
                written = raw_repo.write_raw_documents(conn, records)
                if is_done:
                    raw_repo.clear_cursor(conn, self.collection, SOURCE_KIND, query.key)
                else:
                    raw_repo.save_cursor(conn, self.collection, SOURCE_KIND, query.key, start)
            report.pages += 1
            report.entries += len(entries)
            report.written += written
            report.unchanged += len(records) - written
            if on_progress:
                on_progress(len(entries), size_bytes, min(wanted, page.total))
            if is_done:
                break
        report.seconds = time.perf_counter() - started
        return report

    def _page(self, query: ArxivQuery, start: int, size: int) -> tuple[ArxivPage, int]:
        def read(fetched: Fetched) -> tuple[ArxivPage, int]:
            try:
                page = parse_feed(fetched.body)
            except MalformedFeed as exc:
                raise UnreadableResponse(str(exc)) from exc
            # arXiv sometimes answers a page inside the results with no entries; asking again usually works.
            if not page.entries and start < page.total:
                raise UnreadableResponse(f"no entries at start={start} of {page.total}")
            return page, len(fetched.body)

        return self.http.get(self.url, read, params=query.params(start, size))

    def _abstract(self, entry: ArxivEntry) -> RawDocument:
        return RawDocument(
            collection=self.collection,
            source_kind=SOURCE_KIND,
            source_id=entry.arxiv_id,
            content_type="text/plain",
            title=entry.title,
            body=entry.summary,
            uri=entry.abs_url,
            metadata=_metadata(entry),
        )

    def _full_texts(self, entries: list[ArxivEntry], report: FetchReport) -> list[RawDocument]:
        """Each entry's PDF as text, a second record; PDFs already stored are not downloaded again."""
        ids = [e.arxiv_id for e in entries if e.pdf_url]
        with self.db.connection() as conn:
            stored = raw_repo.stored_source_ids(conn, self.collection, FULL_TEXT_KIND, ids)
        records = []
        for entry in entries:
            if entry.pdf_url is None or entry.arxiv_id in stored:
                continue
            try:
                extracted = self.http.get(entry.pdf_url, _pdf_text, max_bytes=MAX_PDF_BYTES)
            except CollectError as exc:
                report.errors.append(f"{entry.arxiv_id} full text: {exc}")
                continue
            if isinstance(extracted, IngestError):
                report.errors.append(f"{entry.arxiv_id} full text: {extracted}")
                continue
            text, pages = extracted
            report.full_texts += 1
            records.append(
                RawDocument(
                    collection=self.collection,
                    source_kind=FULL_TEXT_KIND,
                    source_id=entry.arxiv_id,
                    content_type="text/plain",
                    title=entry.title,
                    body=text,
                    uri=entry.pdf_url,
                    metadata=_metadata(entry) | {"pages": pages, "extracted_from": "application/pdf"},
                )
            )
        return records


def _pdf_text(fetched: Fetched) -> tuple[str, int] | IngestError:
    extracted = extract_pdf_text(fetched.body, fetched.url)
    if isinstance(extracted, IngestError):
        return extracted
    text, _, pages = extracted
    return text, pages


def _metadata(entry: ArxivEntry) -> dict[str, object]:
    return {
        "authors": list(entry.authors),
        "categories": list(entry.categories),
        "primary_category": entry.primary_category,
        "published": entry.published.isoformat(),
        "updated": entry.updated.isoformat(),
        "version": entry.version,
        "doi": entry.doi,
        "journal_ref": entry.journal_ref,
        "comment": entry.comment,
        "pdf_url": entry.pdf_url,
    }
