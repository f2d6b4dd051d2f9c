"""Web crawler: breadth-first from a start URL into the raw store, as raw HTML (text/html only).

robots.txt is obeyed (its Crawl-delay too, when longer than ours), every request waits for the polite
client's limiter, and a page is fetched once however it is spelled (canonical URLs, <link rel=canonical>,
redirects). Main-content extraction happens when the raw store is ingested, so it can improve without
crawling again.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from ragops.collect.http import Fetched, PoliteClient, RetriesExhausted
from ragops.collect.links import canonical_url, read_links
from ragops.errors import CollectError
from ragops.store import raw_documents as raw_repo
from ragops.store.database import Database
from ragops.types import RawDocument

SOURCE_KIND = "web"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

ProgressCallback = Callable[[int, int, int], None]  # (pages, bytes) since the last call, the page budget


@dataclass(frozen=True)
class CrawlRequest:
    start_url: str
    depth: int = 2  # links followed from the start page: 0 = the start page alone
    max_pages: int = 200
    same_domain: bool = True

    def __post_init__(self) -> None:
        if urlsplit(self.start_url).scheme not in ("http", "https"):
            raise ValueError(f"{self.start_url!r} is not an http(s) URL; give one like https://example.org/docs/")
        if self.depth < 0 or self.max_pages < 1:
            raise ValueError("--depth must be >= 0 and --max-pages >= 1")


@dataclass
class CrawlReport:
    pages: int = 0  # HTML pages fetched
    written: int = 0
    unchanged: int = 0
    disallowed: int = 0  # by robots.txt
    not_html: int = 0
    duplicates: int = 0  # a redirect or rel=canonical to a page already seen
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


class WebCrawler:
    def __init__(
        self, db: Database, http: PoliteClient, *, collection: str, max_page_bytes: int, user_agent: str
    ) -> None:
        self.db = db
        self.http = http
        self.collection = collection
        self.max_page_bytes = max_page_bytes
        self.user_agent = user_agent
        self._robots: dict[str, RobotFileParser] = {}

    def crawl(self, request: CrawlRequest, on_progress: ProgressCallback | None = None) -> CrawlReport:
        started = time.perf_counter()
        report = CrawlReport()
        start = canonical_url(request.start_url)
        home = urlsplit(start).netloc
        queue: deque[tuple[str, int]] = deque([(start, 0)])
        seen = {start}
        while queue and report.pages < request.max_pages:
            url, depth = queue.popleft()
            if not self._allowed(url):
                report.disallowed += 1
                continue
            try:
                fetched = self.http.get(url, lambda f: f, max_bytes=self.max_page_bytes)
            except CollectError as exc:
                report.errors.append(str(exc))
                continue
            if fetched.content_type not in HTML_TYPES:
                report.not_html += 1
                continue
            html = fetched.body.decode("utf-8", errors="replace")
            page = read_links(html, fetched.url)
            final = canonical_url(fetched.url)
            identity = page.canonical or final
            if identity != url and identity in seen:
                report.duplicates += 1
                continue
            seen |= {final, identity}
            report.pages += 1
            self._store(identity, page.title, html, fetched, depth, report)
            if on_progress:
                on_progress(1, len(fetched.body), request.max_pages)
            if depth < request.depth:
                for link in page.links:
                    if link not in seen and (not request.same_domain or urlsplit(link).netloc == home):
                        seen.add(link)
                        queue.append((link, depth + 1))
        report.seconds = time.perf_counter() - started
        return report

    def _store(self, url: str, title: str, html: str, fetched: Fetched, depth: int, report: CrawlReport) -> None:
        record = RawDocument(
            collection=self.collection,
            source_kind=SOURCE_KIND,
            source_id=url,
            content_type="text/html",
            title=title or url,
            body=html,
            uri=url,
            metadata={"fetched_url": fetched.url, "depth": depth, "bytes": len(fetched.body)},
        )
        with self.db.connection() as conn:
            written = raw_repo.write_raw_documents(conn, [record])
        report.written += written
        report.unchanged += 1 - written

    def _allowed(self, url: str) -> bool:
        """robots.txt of the URL's host, read once per host; none (or an unreadable one) allows everything."""
        parts = urlsplit(url)
        robots = self._robots.get(parts.netloc)
        if robots is None:
            robots = RobotFileParser()
            try:
                text = self.http.get(f"{parts.scheme}://{parts.netloc}/robots.txt", _text)
            except RetriesExhausted:
                text = "User-agent: *\nDisallow: /"  # RFC 9309: robots.txt failing on the server's side forbids all
            except CollectError:
                text = ""  # 4xx: RFC 9309 says crawl as if there were no rules
            robots.parse(text.splitlines())
            delay = robots.crawl_delay(self.user_agent)
            if delay is not None:
                self.http.limiter.interval_s = max(self.http.limiter.interval_s, float(delay))
            self._robots[parts.netloc] = robots
        return robots.can_fetch(self.user_agent, url)


def _text(fetched: Fetched) -> str:
    return fetched.body.decode("utf-8", errors="replace")
