"""Find the [n] markers in an answer, keep the valid ones, strip (and report) the ones naming no passage."""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


@dataclass(frozen=True)
class CheckedCitations:
    text: str  # the answer without invalid markers
    cited: set[int]  # valid passage numbers the answer refers to
    invalid: list[int]  # numbers that named no passage, in order of appearance (dropped from `text`)


def check_citations(text: str, passages: int) -> CheckedCitations:
    """Verify each [n] against passages 1..passages; invalid ones are removed from the text and listed."""
    cited: set[int] = set()
    invalid: list[int] = []

    def keep_valid(match: re.Match[str]) -> str:
        numbers = [int(n) for n in match[1].split(",")]
        valid = [n for n in numbers if 1 <= n <= passages]
        invalid.extend(n for n in numbers if not 1 <= n <= passages)
        cited.update(valid)
        return "[" + ", ".join(str(n) for n in valid) + "]" if valid else ""

    cleaned = _MARKER.sub(keep_valid, text)
    return CheckedCitations(re.sub(r" {2,}", " ", cleaned).strip(), cited, invalid)
