"""Test sets: one JSON object per line, each a question with what a good answer retrieves and says.

Gold passages are named `<source_id>#<ordinal>` (chunk) and `<source_id>` (document), not by database
ids, so a test set outlives a re-ingest; chunk keys hold only while the chunking settings are unchanged.
Generated, hand-written and BEIR test sets all become the same TestItems.

Splits: an item is in `test` when a hash of (seed, its id) falls below the test fraction, else in `train`.
Membership depends on the item's own id only, so adding items never moves existing ones between splits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ragops.evaluation.beir import load_beir_dataset
from ragops.jsonl import read_jsonl

Split = Literal["all", "train", "test"]
DEFAULT_BEIR_SPLIT = "test"


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
    """Items of a JSONL test set (each line needs id and question); ConfigError names the line at fault."""
    return read_jsonl(path, TestItem.from_json, what="test set", missing_hint="make one with `ragops eval generate`")


def read_items(path: Path) -> list[TestItem]:
    """A JSONL test set, a BEIR folder (its qrels/test.tsv) or one BEIR qrels file (qrels/<split>.tsv)."""
    if path.is_dir():
        return beir_items(path, DEFAULT_BEIR_SPLIT)
    if path.suffix == ".tsv" and path.parent.name == "qrels":
        return beir_items(path.parent.parent, path.stem)
    return load_testset(path)


def beir_items(folder: Path, split: str) -> list[TestItem]:
    """BEIR queries with their judged documents as gold (grades > 0 all count as relevant); no reference answers."""
    dataset = load_beir_dataset(folder, split)
    return [TestItem(id=q.query_id, question=q.text, gold_documents=tuple(sorted(q.relevant))) for q in dataset.queries]


def save_testset(items: Sequence[TestItem], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(testset_jsonl(items), encoding="utf-8")


def testset_jsonl(items: Sequence[TestItem]) -> str:
    return "".join(json.dumps(item.to_json(), ensure_ascii=False) + "\n" for item in items)


def items_sha256(items: Sequence[TestItem]) -> str:
    """Content hash of the items as save_testset writes them: the hash of a saved file's bytes."""
    return hashlib.sha256(testset_jsonl(items).encode("utf-8")).hexdigest()


def select_split(items: Sequence[TestItem], split: Split, *, seed: int, test_fraction: float) -> list[TestItem]:
    """The items of `split` (see the module docstring); `all` keeps every item."""
    if split == "all":
        return list(items)
    return [item for item in items if (_unit_hash(seed, item.id) < test_fraction) == (split == "test")]


def _unit_hash(seed: int, item_id: str) -> float:
    """A uniform number in [0, 1) from (seed, id), the same on every machine and Python run."""
    digest = hashlib.sha256(f"{seed}:{item_id}".encode()).hexdigest()
    return int(digest[:15], 16) / 16**15
