"""Test sets: one JSON object per line, each a question with what a good answer retrieves and says.

Gold passages are named `<source_id>#<ordinal>` (chunk) and `<source_id>` (document), not by database
ids, so a test set outlives a re-ingest; chunk keys hold only while the chunking settings are unchanged.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ragops.errors import ConfigError


def chunk_key(source_id: str, ordinal: int) -> str:
    return f"{source_id}#{ordinal}"


@dataclass(frozen=True)
class TestItem:
    __test__ = False  # not a pytest class

    id: str
    question: str
    reference_answer: str | None = None
    gold_chunks: tuple[str, ...] = ()  # chunk_key()s
    gold_documents: tuple[str, ...] = ()  # source ids
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> TestItem:
        documents = row.get("gold_documents") or sorted({key.rsplit("#", 1)[0] for key in row.get("gold_chunks", ())})
        return cls(
            id=str(row["id"]),
            question=str(row["question"]),
            reference_answer=row.get("reference_answer"),
            gold_chunks=tuple(row.get("gold_chunks", ())),
            gold_documents=tuple(documents),
            metadata=dict(row.get("metadata", {})),
        )

    def to_json(self) -> dict[str, Any]:
        row = asdict(self)
        row["gold_chunks"], row["gold_documents"] = list(self.gold_chunks), list(self.gold_documents)
        return row


def load_testset(path: Path) -> list[TestItem]:
    """Items of a JSONL test set; ConfigError names the line at fault."""
    if not path.is_file():
        raise ConfigError(f"test set {path} not found; make one with `ragops eval generate`")
    items: list[TestItem] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(TestItem.from_json(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{path}:{number}: not a test item ({exc}); each line needs id and question") from exc
    if not items:
        raise ConfigError(f"test set {path} holds no items")
    return items


def save_testset(items: list[TestItem], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(item.to_json(), ensure_ascii=False) + "\n" for item in items), encoding="utf-8")
