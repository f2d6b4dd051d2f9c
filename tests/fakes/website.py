"""A small website on 127.0.0.1 for the crawler: links, robots.txt, redirects (one a loop), a 404, a huge
page, a PDF link and a page that names another as its canonical URL."""

from __future__ import annotations

from collections.abc import Callable

from tests.fakes.http_server import Exchange, FakeServer

NAV = '<nav><a href="/">Home</a> | <a href="/a">Articles</a> | Site navigation menu</nav>'
FOOTER = "<footer>Copyright 2026 Example Corp. All rights reserved. Footer links.</footer>"


def page(title: str, heading: str, body: str, links: list[str], head: str = "") -> bytes:
    anchors = " ".join(f'<a href="{href}">{href}</a>' for href in links)
    paragraphs = "".join(f"<p>{body} {sentence}</p>" for sentence in ("It matters.", "Read on.", "Here is why."))
    return (
        f"<html><head><title>{title}</title>{head}</head><body>{NAV}<main><article><h1>{heading}</h1>"
        f"{paragraphs}<p>{anchors}</p></article></main>{FOOTER}</body></html>"
    ).encode()


PAGES = {
    "/": page(
        "Home",
        "Vector databases",
        "Vector databases index embeddings so that nearest neighbours are found quickly, even at scale.",
        [
            "/a",
            "/a#part-2",
            "/b",
            "/private/secret",
            "/loop",
            "/missing",
            "/huge",
            "/file.pdf",
            "http://elsewhere.invalid/",
        ],
    ),
    "/a": page(
        "Article A",
        "HNSW graphs",
        "Hierarchical navigable small world graphs give logarithmic search over millions of vectors.",
        ["/b", "/deep"],
    ),
    "/b": page(
        "Article B",
        "Hybrid retrieval",
        "Hybrid retrieval fuses a keyword ranking with a dense ranking by reciprocal rank fusion.",
        ["/to-a", "/b-copy"],
    ),
    "/b-copy": page("B again", "Hybrid retrieval", "The same article.", [], head='<link rel="canonical" href="/b">'),
    "/deep": page("Deep", "Depth two", "This page is two links from the start page.", ["/deeper"]),
    "/deeper": page("Deeper", "Depth three", "Too deep for depth 2.", []),
    "/private/secret": page("Secret", "Private", "robots.txt forbids this page.", []),
}
REDIRECTS = {"/to-a": "/a", "/loop": "/loop-2", "/loop-2": "/loop"}


class FakeWebsite(FakeServer):
    def __init__(self, robots: str = "User-agent: *\nDisallow: /private/\n") -> None:
        super().__init__()
        self.robots = robots
        self.on_request: Callable[[str], None] | None = None  # sees each path as it arrives

    def handle(self, exchange: Exchange) -> None:
        path = exchange.request.path
        if self.on_request is not None:
            self.on_request(path)
        if path == "/robots.txt":
            exchange.send(200, "text/plain", self.robots.encode())
        elif path in PAGES:
            exchange.send(200, "text/html; charset=utf-8", PAGES[path])
        elif path in REDIRECTS:
            exchange.send(302, "text/html", b"", headers={"Location": REDIRECTS[path]})
        elif path == "/huge":
            exchange.send(200, "text/html", b"<html><body><p>" + b"big " * 1_000_000 + b"</p></body></html>")
        elif path == "/file.pdf":
            exchange.send(200, "application/pdf", b"%PDF-1.4 not really")
        else:
            exchange.send(404, "text/html", b"<html><body>Not found</body></html>")

    def fetched(self) -> list[str]:
        return [r.path for r in self.requests]
