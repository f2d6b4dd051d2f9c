"""What a crawler reads off a page (links, declared canonical URL, <title>), and URLs in canonical form."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """One spelling per page: no fragment, lower-case scheme and host, no default port, "/" for an empty path."""
    parts = urlsplit(urldefrag(url)[0])
    host = (parts.hostname or "").lower()
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", parts.query, ""))


@dataclass
class PageLinks:
    links: list[str] = field(default_factory=list)  # absolute http(s) URLs, canonical, in page order
    canonical: str | None = None
    title: str = ""


class _LinkParser(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.found = PageLinks()
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        href = values.get("href")
        if tag == "a" and href:
            absolute = urljoin(self.base, href)
            if urlsplit(absolute).scheme in _DEFAULT_PORTS:
                self.found.links.append(canonical_url(absolute))
        elif tag == "link" and href and "canonical" in (values.get("rel") or "").lower().split():
            self.found.canonical = canonical_url(urljoin(self.base, href))
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.found.title += data


def read_links(html: str, base_url: str) -> PageLinks:
    parser = _LinkParser(base_url)
    parser.feed(html)
    parser.close()
    parser.found.title = " ".join(parser.found.title.split())
    return parser.found
