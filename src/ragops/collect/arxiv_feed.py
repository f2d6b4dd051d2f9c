"""The arXiv API's Atom feed, read with the standard library's ElementTree and its namespaces.

feedparser is not needed: the feed is one well-specified Atom dialect, and its arxiv: and
opensearch: elements are read here exactly, by name, where feedparser would rename them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
_VERSIONED_ID = re.compile(r"abs/(?P<id>.+?)(?:v(?P<version>\d+))?$")


class MalformedFeed(ValueError):
    """The body is not an arXiv Atom feed (truncated, an HTML error page, missing fields)."""


@dataclass(frozen=True)
class ArxivEntry:
    arxiv_id: str  # without the version: 2510.14968, or hep-th/9901001 for old ids
    version: int | None
    title: str  # as the feed has it: line breaks and all, cleaned by the feature pipeline
    summary: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]  # the primary one first
    primary_category: str | None
    published: datetime
    updated: datetime
    doi: str | None
    journal_ref: str | None
    comment: str | None
    abs_url: str
    pdf_url: str | None


@dataclass(frozen=True)
class ArxivPage:
    total: int  # opensearch:totalResults: every match, not just this page
    start: int
    entries: tuple[ArxivEntry, ...]


def parse_feed(body: bytes) -> ArxivPage:
    """One page of results; MalformedFeed says what is wrong with it."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise MalformedFeed(f"not XML ({exc})") from exc
    if root.tag != f"{{{_NS['atom']}}}feed":
        raise MalformedFeed(f"not an Atom feed (root element {root.tag!r})")
    total = _integer(root, "opensearch:totalResults")
    start = _integer(root, "opensearch:startIndex")
    entries = []
    for element in root.findall("atom:entry", _NS):
        # A bad query comes back as one entry titled "Error" whose summary says what is wrong.
        if _text(element, "atom:title") == "Error":
            raise MalformedFeed(f"arXiv refused the query: {_text(element, 'atom:summary')}")
        entries.append(_entry(element))
    return ArxivPage(total=total, start=start, entries=tuple(entries))


def _entry(element: ET.Element) -> ArxivEntry:
    abs_url = _required(element, "atom:id")
    match = _VERSIONED_ID.search(abs_url)
    if match is None:
        raise MalformedFeed(f"entry id {abs_url!r} is not an arXiv abstract URL")
    primary = element.find("arxiv:primary_category", _NS)
    primary_term = primary.get("term") if primary is not None else None
    terms = [c.get("term") or "" for c in element.findall("atom:category", _NS)]
    categories = ([primary_term] if primary_term else []) + [t for t in terms if t and t != primary_term]
    links = element.findall("atom:link", _NS)
    return ArxivEntry(
        arxiv_id=match["id"],
        version=int(match["version"]) if match["version"] else None,
        title=_required(element, "atom:title"),
        summary=_required(element, "atom:summary"),
        authors=tuple(_text(a, "atom:name") or "" for a in element.findall("atom:author", _NS)),
        categories=tuple(dict.fromkeys(categories)),
        primary_category=primary_term,
        published=_timestamp(element, "atom:published"),
        updated=_timestamp(element, "atom:updated"),
        doi=_text(element, "arxiv:doi"),
        journal_ref=_text(element, "arxiv:journal_ref"),
        comment=_text(element, "arxiv:comment"),
        abs_url=next((link.get("href") or abs_url for link in links if link.get("rel") == "alternate"), abs_url),
        pdf_url=next((link.get("href") for link in links if link.get("title") == "pdf"), None),
    )


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path, _NS)
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


def _required(element: ET.Element, path: str) -> str:
    value = _text(element, path)
    if value is None:
        raise MalformedFeed(f"an entry has no {path.split(':')[1]}")
    return value


def _integer(element: ET.Element, path: str) -> int:
    value = _text(element, path)
    if value is None or not value.isdigit():
        raise MalformedFeed(f"the feed has no {path.split(':')[1]}")
    return int(value)


def _timestamp(element: ET.Element, path: str) -> datetime:
    value = _required(element, path)
    try:
        return datetime.fromisoformat(value)  # Python 3.11 reads the trailing Z
    except ValueError as exc:
        raise MalformedFeed(f"{path.split(':')[1]} {value!r} is not a timestamp") from exc
