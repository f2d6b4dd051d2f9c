"""Find the [n] markers in an answer, keep the valid ones, strip the ones naming no passage."""

from __future__ import annotations

import re

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def cited_numbers(text: str, passages: int) -> tuple[str, set[int]]:
    """(text without invalid markers, valid passage numbers cited); numbers run 1..passages."""
    cited: set[int] = set()

    def keep_valid(match: re.Match[str]) -> str:
        numbers = [int(n) for n in match[1].split(",")]
        valid = [n for n in numbers if 1 <= n <= passages]
        cited.update(valid)
        return "[" + ", ".join(str(n) for n in valid) + "]" if valid else ""

    cleaned = _MARKER.sub(keep_valid, text)
    return re.sub(r" {2,}", " ", cleaned).strip(), cited
