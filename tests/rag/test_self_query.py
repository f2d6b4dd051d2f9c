from datetime import date

import pytest

from ragops.rag.self_query import extract_filters
from ragops.types import SearchFilters

TODAY = date(2026, 6, 1)
CATEGORIES = {"cs.CL", "cs.IR", "stat.ML"}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("papers since 2023 about retrieval", SearchFilters(published_from=date(2023, 1, 1))),
        ("work after 2021 on RAG", SearchFilters(published_from=date(2022, 1, 1))),
        ("methods before 2020", SearchFilters(published_to=date(2019, 12, 31))),
        ("LLM papers in 2024", SearchFilters(published_from=date(2024, 1, 1), published_to=date(2024, 12, 31))),
        (
            "between 2022 and 2020, what changed in cs.IR?",
            SearchFilters(categories=("cs.IR",), published_from=date(2020, 1, 1), published_to=date(2022, 12, 31)),
        ),
        ("cs.CL and stat.ML since 2025", SearchFilters(("cs.CL", "stat.ML"), None, date(2025, 1, 1), None)),
    ],
)
def test_stated_filters_are_extracted(question: str, expected: SearchFilters) -> None:
    assert extract_filters(question, CATEGORIES, TODAY) == expected


@pytest.mark.parametrize(
    "question",
    [
        "how do transformers work?",
        "papers since 2090 about retrieval",  # a future year is not a real constraint
        "since 2024 and before 2021",  # an empty range
        "anything in cs.XX or cs.cl",  # not categories of this collection (names are case-sensitive)
    ],
)
def test_invalid_or_absent_filters_give_none(question: str) -> None:
    assert extract_filters(question, CATEGORIES, TODAY) is None
