from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ragops.collect.arxiv_feed import MalformedFeed, parse_feed
from tests.fakes.arxiv import SAMPLES, feed, sample_entries


def test_a_saved_search_response_is_read_field_by_field() -> None:
    # given
    body = (SAMPLES / "search_cat-cs.RO_2entries_2025-10.xml").read_bytes()
    # when
    page = parse_feed(body)
    # then
    assert (page.total, page.start, len(page.entries)) == (5619, 0, 2)
    first = page.entries[0]
    assert (first.arxiv_id, first.version) == ("2510.14968", 1)
    assert first.title.startswith("RDD: Retrieval-Based Demonstration Decomposer")
    assert first.authors == ("Mingxuan Yan", "Yuping Wang", "Zechun Liu", "Jiachen Li")
    assert first.primary_category == "cs.RO"
    assert first.categories == ("cs.RO", "cs.AI", "cs.CV", "cs.LG", "cs.SY", "eess.SY")
    assert first.published == datetime(2025, 10, 16, 17, 59, 37, tzinfo=UTC)
    assert first.comment is not None and first.comment.startswith("39th Conference on Neural Information")
    assert first.doi is None and first.journal_ref is None
    assert first.abs_url == "http://arxiv.org/abs/2510.14968v1"
    assert first.pdf_url == "http://arxiv.org/pdf/2510.14968v1"


def test_a_saved_id_list_response_has_doi_and_journal_ref() -> None:
    entry = parse_feed((SAMPLES / "idlist_1601.00001_2020-09.xml").read_bytes()).entries[0]
    assert entry.arxiv_id == "1601.00001"
    assert entry.doi == "10.1063/1.4944470"
    assert entry.journal_ref == "J. Chem. Phys. 144, 124107 (2016)"
    assert entry.primary_category == "cond-mat.mes-hall"
    assert 'Landauer-B\\"uttiker' in entry.summary  # the TeX accent is kept raw; cleaning is the pipeline's
    assert entry.published.date().isoformat() == "2015-12-26"


_NO_TOTAL = feed([], total=3, start=0).replace(b"opensearch:totalResults", b"opensearch:other")
_NO_SUMMARY = feed([sample_entries()[0].replace("summary>", "sumary>")], 1, 0)
_ERROR_ENTRY = "<entry><id>http://arxiv.org/api/errors</id><title>Error</title><summary>malformed id</summary></entry>"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<feed><entry>cut off", "not XML"),
        (b"<html><body>Service Unavailable</body></html>", "not an Atom feed"),
        (_NO_TOTAL, "totalResults"),
        (_NO_SUMMARY, "no summary"),
        (feed([_ERROR_ENTRY], 1, 0), "refused the query: malformed id"),
    ],
)
def test_a_malformed_feed_says_what_is_wrong(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedFeed, match=reason):
        parse_feed(body)
