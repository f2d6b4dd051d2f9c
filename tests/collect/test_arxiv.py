"""The arXiv fetcher against a fake API on 127.0.0.1, writing into the real raw store."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from ragops.collect.arxiv import FULL_TEXT_KIND, SOURCE_KIND, ArxivFetcher, ArxivQuery
from ragops.collect.http import PoliteClient, RetriesExhausted, build_http_client
from ragops.collect.rate_limit import RateLimiter
from ragops.config import CollectSettings, RetrySettings
from ragops.ingest.pipeline import ingest_documents
from ragops.ingest.sources.raw import read_raw_store
from ragops.runtime import Runtime
from ragops.store import raw_documents as raw_repo
from tests.collect.test_rate_limit import FakeClock
from tests.fakes.arxiv import FakeArxivApi, renumbered
from tests.fakes.http_server import Fault

QUICK_RETRY = RetrySettings(max_attempts=3, base_delay_s=0.0, max_delay_s=0.0)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with build_http_client(CollectSettings(timeout_s=0.5)) as client:
        yield client


def fetcher(runtime: Runtime, api: FakeArxivApi, client: PoliteClient, collection: str, page: int = 3) -> ArxivFetcher:
    return ArxivFetcher(runtime.db, client, url=api.api_url, page_size=page, collection=collection)


def quick(http: httpx.Client, retry: RetrySettings = QUICK_RETRY) -> PoliteClient:
    return PoliteClient(http, RateLimiter(0.0), retry)


def test_pages_are_fetched_and_stored_once(runtime: Runtime, http: httpx.Client, collection_name: str) -> None:
    # given seven papers, three a page
    with FakeArxivApi(renumbered(7)) as api:
        arxiv = fetcher(runtime, api, quick(http), collection_name)
        # when
        first = arxiv.fetch(ArxivQuery(search="cat:cs.RO", max_results=50))
        again = arxiv.fetch(ArxivQuery(search="cat:cs.RO", max_results=50))
    # then
    assert [q["start"] for q in api.queries()] == ["0", "3", "6", "0", "3", "6"]
    assert api.queries()[0]["search_query"] == "(cat:cs.RO)"
    assert (first.pages, first.entries, first.written, first.unchanged) == (3, 7, 7, 0)
    assert (again.written, again.unchanged) == (0, 7)
    with runtime.db.connection() as conn:
        stored = raw_repo.latest_raw_documents(conn, collection_name)
        assert raw_repo.count_raw_documents(conn, collection_name) == 7
        query = ArxivQuery(search="cat:cs.RO", max_results=50)
        assert raw_repo.read_cursor(conn, collection_name, SOURCE_KIND, query.key) is None
    paper = next(d for d in stored if d.source_id == "2601.00000")
    assert paper.source_kind == SOURCE_KIND and paper.content_type == "text/plain"
    assert paper.metadata["doi"] == "10.1063/1.4944470"
    assert paper.metadata["categories"] == ["cond-mat.mes-hall"]
    assert paper.metadata["published"].startswith("2015-12-26")
    assert paper.uri == "http://arxiv.org/abs/2601.00000v1"


def test_max_cuts_the_last_page(runtime: Runtime, http: httpx.Client, collection_name: str) -> None:
    with FakeArxivApi(renumbered(7)) as api:
        report = fetcher(runtime, api, quick(http), collection_name).fetch(ArxivQuery(search="all", max_results=4))
    assert [(q["start"], q["max_results"]) for q in api.queries()] == [("0", "3"), ("3", "1")]
    assert report.entries == 4


def test_requests_are_never_closer_than_three_seconds_retries_included(
    runtime: Runtime, http: httpx.Client, collection_name: str
) -> None:
    # given a limiter on a fake clock, and a server that answers 503 twice
    clock = FakeClock()
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    client = PoliteClient(http, limiter, RetrySettings(max_attempts=3, base_delay_s=1.0, max_delay_s=4.0))
    arrivals: list[float] = []
    with FakeArxivApi(renumbered(7)) as api:
        api.on_request = lambda _: arrivals.append(clock.now)
        api.fail_next(Fault(), Fault(status=503), Fault(status=503))
        # when
        report = fetcher(runtime, api, client, collection_name).fetch(ArxivQuery(search="all", max_results=7))
    # then every request, retried or not, came at least 3 s after the one before
    assert len(arrivals) == 5 and report.entries == 7
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert min(gaps) >= 3.0


def test_backoff_doubles_up_to_its_cap(runtime: Runtime, http: httpx.Client, collection_name: str) -> None:
    clock = FakeClock()
    client = PoliteClient(
        http,
        RateLimiter(0.0, clock=clock, sleep=clock.sleep),
        RetrySettings(max_attempts=4, base_delay_s=1.0, max_delay_s=3.0),
    )
    with FakeArxivApi() as api:
        api.fail_next(Fault(status=503), Fault(status=500), Fault(status=429))
        fetcher(runtime, api, client, collection_name).fetch(ArxivQuery(search="all", max_results=3))
    assert clock.slept == [1.0, 2.0, 3.0]


def test_a_failed_fetch_resumes_from_the_last_stored_page(
    runtime: Runtime, http: httpx.Client, collection_name: str
) -> None:
    query = ArxivQuery(search="all", max_results=100)
    with FakeArxivApi(renumbered(7)) as api:
        arxiv = fetcher(runtime, api, quick(http, QUICK_RETRY.model_copy(update={"max_attempts": 2})), collection_name)
        # given the second page fails every attempt
        api.fail_next(Fault(), Fault(status=503), Fault(status=503))
        with pytest.raises(RetriesExhausted, match="run the same command again"):
            arxiv.fetch(query)
        with runtime.db.connection() as conn:
            assert raw_repo.read_cursor(conn, collection_name, SOURCE_KIND, query.key) == 3
            assert raw_repo.count_raw_documents(conn, collection_name) == 3
        # when it runs again
        resumed = arxiv.fetch(query)
    # then it starts at the first page it had not stored, and writes each paper once
    assert resumed.resumed_from == 3
    assert [q["start"] for q in api.queries()][-2:] == ["3", "6"]
    with runtime.db.connection() as conn:
        assert raw_repo.count_raw_documents(conn, collection_name) == 7


def test_slow_and_malformed_answers_are_retried(runtime: Runtime, http: httpx.Client, collection_name: str) -> None:
    with FakeArxivApi(renumbered(2)) as api:
        api.fail_next(Fault(delay_s=1.0), Fault(body=b"<feed><entry>truncated"), Fault(status=502))
        client = quick(http, QUICK_RETRY.model_copy(update={"max_attempts": 4}))
        report = fetcher(runtime, api, client, collection_name).fetch(ArxivQuery(id_list=("2601.00000", "2601.00001")))
    assert client.requests == 4
    assert report.entries == 2
    assert api.queries()[-1]["id_list"] == "2601.00000,2601.00001"


def test_a_refused_query_is_not_retried(runtime: Runtime, http: httpx.Client, collection_name: str) -> None:
    with FakeArxivApi() as api:
        api.fail_next(Fault(status=400))
        client = quick(http)
        with pytest.raises(Exception, match="HTTP 400"):
            fetcher(runtime, api, client, collection_name).fetch(ArxivQuery(search="bad:::"))
    assert client.requests == 1


def test_full_text_is_a_second_record_downloaded_once(
    runtime: Runtime, http: httpx.Client, collection_name: str
) -> None:
    with FakeArxivApi(renumbered(2)) as api:
        arxiv = fetcher(runtime, api, quick(http), collection_name)
        report = arxiv.fetch(ArxivQuery(search="all", max_results=2), full_text=True)
        arxiv.fetch(ArxivQuery(search="all", max_results=2), full_text=True)
    assert report.full_texts == 2 and report.written == 4
    assert len([r for r in api.requests if r.path.startswith("/pdf/")]) == 2
    with runtime.db.connection() as conn:
        texts = [d for d in raw_repo.latest_raw_documents(conn, collection_name) if d.source_kind == FULL_TEXT_KIND]
    assert len(texts) == 2 and "Full text of 2601.0000" in texts[0].body
    assert texts[0].metadata["pages"] == 1


def test_since_narrows_the_search_and_sorts_newest_first() -> None:
    params = ArxivQuery(search="cat:cs.IR", since=date(2024, 1, 31), max_results=5).params(0, 5)
    assert params["search_query"] == "(cat:cs.IR) AND submittedDate:[202401310000 TO 999912312359]"
    assert (params["sortBy"], params["sortOrder"]) == ("submittedDate", "descending")
    with pytest.raises(ValueError, match="--query"):
        ArxivQuery(search="  ")


def test_fetched_papers_ingest_from_the_raw_store(runtime: Runtime, http: httpx.Client, collection_name: str) -> None:
    # given three fetched papers
    with FakeArxivApi(renumbered(3)) as api:
        fetcher(runtime, api, quick(http), collection_name).fetch(ArxivQuery(search="all", max_results=3))

    def ingest() -> tuple[int, int, int]:
        counts = ingest_documents(
            runtime.db,
            runtime.embedder,
            read_raw_store(runtime.db, collection_name),
            collection=collection_name,
            source="raw",
            location=f"raw:{collection_name}",
            chunking=runtime.settings.chunking,
        ).counts
        return counts.documents_added, counts.documents_unchanged, counts.chunks_embedded

    # when ingested twice
    first, second = ingest(), ingest()
    # then the second run embeds nothing
    assert first[0] == 3 and first[2] > 0
    assert second == (0, 3, 0)
    with runtime.db.connection() as conn:
        row = conn.execute(
            "SELECT d.title, d.published, d.metadata->'categories' FROM documents d JOIN collections c"
            " ON c.id = d.collection_id WHERE c.name = %s AND d.source = 'arxiv' AND d.source_id = '2601.00000'",
            (collection_name,),
        ).fetchone()
    assert row is not None
    assert row[0] == "Inelastic effects in molecular transport junctions: The probe technique at high bias"
    assert row[1] == date(2015, 12, 26) and row[2] == ["cond-mat.mes-hall"]
