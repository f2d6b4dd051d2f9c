"""The crawler against a small local site, writing into the real raw store."""

from __future__ import annotations

import itertools

import pytest

from ragops.collect.http import PoliteClient, build_http_client
from ragops.collect.links import canonical_url
from ragops.collect.rate_limit import RateLimiter
from ragops.collect.web import CrawlReport, CrawlRequest, WebCrawler
from ragops.config import CollectSettings, RetrySettings
from ragops.ingest.sources.raw import read_raw_store
from ragops.runtime import Runtime
from ragops.types import SourceDocument
from tests.collect.test_rate_limit import FakeClock
from tests.fakes.website import FakeWebsite

AGENT = "ragops-test"


def crawl(runtime: Runtime, site: FakeWebsite, collection: str, limiter: RateLimiter, **request: object) -> CrawlReport:
    with build_http_client(CollectSettings(timeout_s=2.0)) as client:
        http = PoliteClient(client, limiter, RetrySettings(max_attempts=1))
        crawler = WebCrawler(runtime.db, http, collection=collection, max_page_bytes=100_000, user_agent=AGENT)
        return crawler.crawl(CrawlRequest(start_url=f"{site.url}/", **request))  # type: ignore[arg-type]


def test_a_crawl_follows_links_to_its_depth_and_skips_what_it_must(runtime: Runtime, collection_name: str) -> None:
    # given a site whose robots.txt asks for a 2 s crawl delay, crawled on a fake clock (redirect hops included)
    clock = FakeClock()
    limiter = RateLimiter(0.0, clock=clock, sleep=clock.sleep)
    arrivals: list[float] = []
    with FakeWebsite(robots="User-agent: *\nDisallow: /private/\nCrawl-delay: 2\n") as site:
        site.on_request = lambda _: arrivals.append(clock.now)
        # when
        report = crawl(runtime, site, collection_name, limiter, depth=2)
        site.on_request = None
        again = crawl(runtime, site, collection_name, RateLimiter(0.0, clock=clock, sleep=clock.sleep), depth=2)
    # then the four reachable HTML pages are stored, once
    assert (report.pages, report.written, again.written, again.unchanged) == (4, 4, 0, 4)
    assert report.disallowed == 1 and report.not_html == 1
    assert report.duplicates == 2  # /to-a redirects to /a; /b-copy declares /b canonical
    assert len(report.errors) == 3  # the redirect loop, the 404, the huge page
    assert any("loop" in e for e in report.errors) and any("404" in e for e in report.errors)
    assert any("larger than 100,000 bytes" in e for e in report.errors)
    assert "/deeper" not in site.fetched() and "/private/secret" not in site.fetched()
    assert not any("elsewhere" in p for p in site.fetched())
    assert limiter.interval_s == 2.0 and min(b - a for a, b in itertools.pairwise(arrivals[1:])) >= 2.0
    # and ingesting the raw pages keeps the main content, headings included, without navigation or footer
    documents = {d.source_id: d for d in read_raw_store(runtime.db, collection_name) if isinstance(d, SourceDocument)}
    assert sorted(documents) == sorted(f"{site.url}{p}" for p in ("/", "/a", "/b", "/deep"))
    article = documents[f"{site.url}/a"]
    assert article.title == "Article A"
    assert "HNSW graphs" in article.text and "logarithmic search" in article.text
    assert "Copyright" not in article.text and "navigation menu" not in article.text


def test_max_pages_bounds_the_crawl(runtime: Runtime, collection_name: str) -> None:
    with FakeWebsite() as site:
        report = crawl(runtime, site, collection_name, RateLimiter(0.0), depth=5, max_pages=2)
    assert report.pages == 2


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://Example.ORG:80/a#part", "http://example.org/a"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org:8443/x?q=1", "https://example.org:8443/x?q=1"),
    ],
)
def test_canonical_urls(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_a_start_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ValueError, match="not an http"):
        CrawlRequest(start_url="file:///etc/passwd")
