"""Self-query: metadata filters stated in the question ("since 2023", "before 2020", "in cs.CL").

Only what validates is used: years within [1900, next year], a date range that is not empty, and
category names the collection really has. Anything else is ignored, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date

from ragops.types import SearchFilters

MIN_YEAR = 1900
_YEAR = r"((?:19|20)\d{2})"
_BETWEEN = re.compile(rf"\bbetween\s+{_YEAR}\s+and\s+{_YEAR}\b", re.IGNORECASE)
_FROM = re.compile(rf"\b(since|after|from|starting)\s+{_YEAR}\b", re.IGNORECASE)
_TO = re.compile(rf"\b(before|until|till|up to|through)\s+{_YEAR}\b", re.IGNORECASE)
_IN = re.compile(rf"\b(?:in|during|of)\s+{_YEAR}\b", re.IGNORECASE)
_CATEGORY_TOKEN = re.compile(r"[A-Za-z][\w.-]*\w")


def extract_filters(question: str, known_categories: Collection[str], today: date) -> SearchFilters | None:
    """Filters the question states, validated; None when it states none that hold."""
    published_from, published_to = _date_range(question)
    if not _valid_years(published_from, published_to, today):
        published_from = published_to = None
    categories = tuple(dict.fromkeys(t for t in _CATEGORY_TOKEN.findall(question) if t in known_categories))
    if published_from is None and published_to is None and not categories:
        return None
    return SearchFilters(categories=categories or None, published_from=published_from, published_to=published_to)


def _date_range(question: str) -> tuple[date | None, date | None]:
    if found := _BETWEEN.search(question):
        low, high = sorted((int(found[1]), int(found[2])))
        return date(low, 1, 1), date(high, 12, 31)
    start: date | None = None
    end: date | None = None
    if found := _FROM.search(question):
        year = int(found[2])
        start = date(year + 1, 1, 1) if found[1].lower() == "after" else date(year, 1, 1)
    if found := _TO.search(question):
        year = int(found[2])
        end = date(year - 1, 12, 31) if found[1].lower() == "before" else date(year, 12, 31)
    if start is None and end is None and (found := _IN.search(question)):
        year = int(found[1])
        start, end = date(year, 1, 1), date(year, 12, 31)
    return start, end


def _valid_years(start: date | None, end: date | None, today: date) -> bool:
    years = [d.year for d in (start, end) if d is not None]
    if any(not MIN_YEAR <= y <= today.year + 1 for y in years):
        return False
    return start is None or end is None or start <= end
