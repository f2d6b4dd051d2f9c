"""Reading the project's JSON-lines files (test sets, guard sets): one record a line, errors name the line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ragops.errors import ConfigError

T = TypeVar("T")


def read_jsonl(path: Path, parse: Callable[[dict[str, Any]], T], *, what: str, missing_hint: str) -> list[T]:
    """`parse` applied to every non-blank line; ConfigError when the file is missing or empty, or names the
    line whose record `parse` could not read (a KeyError, TypeError, ValueError or AttributeError)."""
    if not path.is_file():
        raise ConfigError(f"{what} {path} not found; {missing_hint}")
    records: list[T] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(parse(json.loads(line)))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # JSONDecodeError is a ValueError
            raise ConfigError(f"{path}:{number}: not a {what} record ({exc!r})") from exc
    if not records:
        raise ConfigError(f"{what} {path} holds no records")
    return records
