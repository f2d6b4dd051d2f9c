"""A BEIR-format dataset folder: corpus.jsonl, queries.jsonl and qrels/<split>.tsv."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from ragops.errors import ConfigError


@dataclass(frozen=True)
class BenchmarkQuery:
    query_id: str
    text: str
    relevant: dict[str, int]  # corpus id -> relevance grade


@dataclass(frozen=True)
class BeirDataset:
    name: str
    corpus: Path
    queries: list[BenchmarkQuery]  # only the queries the split judges


def load_beir_dataset(folder: Path, split: str) -> BeirDataset:
    """Queries of `split` with their judgements; raises ConfigError naming the missing or bad file."""
    corpus, queries_file, qrels_file = (
        folder / "corpus.jsonl",
        folder / "queries.jsonl",
        folder / "qrels" / f"{split}.tsv",
    )
    for required in (corpus, queries_file, qrels_file):
        if not required.is_file():
            raise ConfigError(
                f"{required} is missing: a BEIR dataset folder holds corpus.jsonl, queries.jsonl and qrels/{split}.tsv"
            )
    judgements = _read_qrels(qrels_file)
    texts = _read_queries(queries_file)
    unknown = sorted(judgements.keys() - texts.keys())
    if unknown:
        raise ConfigError(f"{qrels_file} judges queries missing from {queries_file}: {', '.join(unknown[:5])}")
    queries = [BenchmarkQuery(qid, texts[qid], judgements[qid]) for qid in sorted(judgements, key=_natural)]
    return BeirDataset(name=folder.resolve().name, corpus=corpus, queries=queries)


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    judgements: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as rows:
        reader = csv.reader(rows, delimiter="\t")
        for number, row in enumerate(reader, start=1):
            if number == 1 and row and row[0] == "query-id":
                continue  # the header
            if not row:
                continue
            try:
                query_id, doc_id, grade = row[0], row[1], int(row[2])
            except (IndexError, ValueError) as exc:
                raise ConfigError(f"{path}:{number}: expected 'query-id<TAB>corpus-id<TAB>score' ({exc})") from exc
            if grade > 0:
                judgements.setdefault(query_id, {})[doc_id] = grade
    return judgements


def _read_queries(path: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                texts[str(record["_id"])] = str(record["text"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ConfigError(f"{path}:{number}: not a BEIR query record ({exc})") from exc
    return texts


def _natural(query_id: str) -> tuple[int, str]:
    return (int(query_id), "") if query_id.isdigit() else (0, query_id)
