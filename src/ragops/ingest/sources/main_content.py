"""A web page's main content (title, headings and body text; no navigation or footers), by trafilatura.

trafilatura is in the `collect` extra: readers of uploads keep the dependency-free html.parser extractor.
"""

from __future__ import annotations

from ragops.errors import ConfigError, IngestError


def require_extractor() -> None:
    """ConfigError naming the extra to install when trafilatura is missing: checked before crawling."""
    try:
        import trafilatura  # noqa: F401
    except ImportError as exc:
        raise ConfigError("web pages need trafilatura, in the `collect` extra: pip install 'ragops[collect]'") from exc


def extract_main_content(html: str, where: str) -> str | IngestError:
    """The page's main content as Markdown (headings kept), or the reason there is none."""
    require_extractor()
    import trafilatura

    text = trafilatura.extract(html, output_format="markdown", include_comments=False, favor_recall=True)
    if not text or not text.strip():
        return IngestError("the page has no main content to extract", where)
    return str(text)
