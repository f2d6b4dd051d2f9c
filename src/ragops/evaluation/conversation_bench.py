"""Conversation benchmark: retrieval of follow-up turns with each condense strategy, against the follow-up alone
(`none`, the floor) and its hand-written standalone rewrite (`standalone`, the ceiling).

Each strategy plays every dialogue turn by turn, as a conversation would: the history a follow-up sees is what that
same strategy retrieved and answered before (the extractive answer over its top passages, and the documents that
answer cited), so a wrong turn costs the next one too. Only follow-ups are scored; first turns are the same for all.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ragops.errors import ConfigError
from ragops.evaluation.metrics import hit_at_k, ndcg_at_k, percentile
from ragops.evaluation.retrieval_bench import document_ranking
from ragops.rag.condense import Condenser
from ragops.rag.extractive import extractive_answer
from ragops.rag.history import cited_documents
from ragops.rag.searcher import Searcher
from ragops.types import Query, Turn

BUNDLED_DIALOGUES = Path("benchmarks/conversation/arxiv-demo-dialogues.jsonl")
FLOOR = "none"
CEILING = "standalone"
HIT_DEPTH = 4  # the passages an answer is written from (retrieval.top_k)
NDCG_DEPTH = 10


@dataclass(frozen=True)
class DialogueTurn:
    question: str
    gold_documents: tuple[str, ...]
    standalone: str


@dataclass(frozen=True)
class Dialogue:
    id: str
    turns: tuple[DialogueTurn, ...]
    pattern: str


@dataclass(frozen=True)
class TurnRow:
    """One follow-up as one strategy retrieved it (a raw row of the benchmark)."""

    dialogue: str
    turn: int  # 1-based; only follow-ups (2, 3, ...) are scored
    pattern: str
    strategy: str
    question: str
    query: str  # what retrieval ran on
    gold_documents: list[str]
    ranking: list[str]  # document ids, best first, NDCG_DEPTH deep
    hit_at_4: float
    ndcg_at_10: float
    condense_ms: float


@dataclass(frozen=True)
class StrategySummary:
    strategy: str
    follow_ups: int
    hit_at_4: float
    ndcg_at_10: float
    condense_p50_ms: float
    condense_p95_ms: float
    hit_at_4_by_pattern: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "follow_ups": self.follow_ups,
            "hit@4": round(self.hit_at_4, 4),
            "ndcg@10": round(self.ndcg_at_10, 4),
            "condense_ms": {"p50": round(self.condense_p50_ms, 2), "p95": round(self.condense_p95_ms, 2)},
            "hit@4_by_pattern": {k: round(v, 4) for k, v in self.hit_at_4_by_pattern.items()},
        }


def load_dialogues(path: Path) -> list[Dialogue]:
    """Dialogues from a JSON-lines file (benchmarks/conversation/README.md); ConfigError names a bad line."""
    if not path.is_file():
        raise ConfigError(f"{path} does not exist; the bundled set is {BUNDLED_DIALOGUES}")
    dialogues = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            turns = tuple(
                DialogueTurn(t["question"], tuple(t["gold_documents"]), t.get("standalone", t["question"]))
                for t in raw["turns"]
            )
            dialogues.append(Dialogue(raw["id"], turns, raw.get("metadata", {}).get("pattern", "")))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            readme = BUNDLED_DIALOGUES.parent / "README.md"
            raise ConfigError(f"{path}:{number}: not a dialogue ({exc}); {readme} describes the format") from exc
    return dialogues


def run_conversation_bench(
    searcher: Searcher,
    condensers: Mapping[str, Condenser],
    dialogues: Sequence[Dialogue],
    *,
    collection: str,
    on_turn: Callable[[TurnRow], None] | None = None,
) -> list[TurnRow]:
    """Every follow-up of every dialogue under `none`, each condenser's strategy and `standalone`."""
    arms: dict[str, Condenser | None] = {FLOOR: None, **condensers, CEILING: None}
    rows = []
    for strategy, condenser in arms.items():
        for dialogue in dialogues:
            for row in _play(searcher, condenser, dialogue, strategy=strategy, collection=collection):
                rows.append(row)
                if on_turn is not None:
                    on_turn(row)
    return rows


def _play(
    searcher: Searcher, condenser: Condenser | None, dialogue: Dialogue, *, strategy: str, collection: str
) -> list[TurnRow]:
    history: list[Turn] = []
    rows = []
    for number, turn in enumerate(dialogue.turns, start=1):
        started = time.perf_counter()
        if strategy == CEILING:
            text = turn.standalone
        elif condenser is None or not history:
            text = turn.question
        else:
            text = condenser.condense(turn.question, history).text
        condense_ms = (time.perf_counter() - started) * 1000.0
        query = Query(question=text, collection=collection, mode=searcher.retrieval.mode, top_k=NDCG_DEPTH)
        candidates = searcher.search(query).candidates
        ranking = document_ranking(candidates)[:NDCG_DEPTH]
        if number > 1:
            relevant = dict.fromkeys(turn.gold_documents, 1)
            rows.append(
                TurnRow(
                    dialogue=dialogue.id,
                    turn=number,
                    pattern=dialogue.pattern,
                    strategy=strategy,
                    question=turn.question,
                    query=text,
                    gold_documents=list(turn.gold_documents),
                    ranking=ranking,
                    hit_at_4=hit_at_k(ranking, relevant, HIT_DEPTH),
                    ndcg_at_10=ndcg_at_k(ranking, relevant, NDCG_DEPTH),
                    condense_ms=condense_ms,
                )
            )
        # What the user saw: the extractive answer over the passages an answer gets, and the documents it cited.
        shown = candidates[:HIT_DEPTH]
        answer = extractive_answer(turn.question, [c.text for c in shown])
        history.append(Turn(turn.question, answer.text, cited_documents(shown, answer.cited)))
    return rows


def summarise(rows: Sequence[TurnRow]) -> list[StrategySummary]:
    """One summary per strategy, in the order the rows ran."""
    summaries = []
    for strategy in dict.fromkeys(r.strategy for r in rows):
        mine = [r for r in rows if r.strategy == strategy]
        latencies = [r.condense_ms for r in mine]
        patterns = sorted({r.pattern for r in mine})
        summaries.append(
            StrategySummary(
                strategy=strategy,
                follow_ups=len(mine),
                hit_at_4=statistics.fmean(r.hit_at_4 for r in mine),
                ndcg_at_10=statistics.fmean(r.ndcg_at_10 for r in mine),
                condense_p50_ms=percentile(latencies, 50),
                condense_p95_ms=percentile(latencies, 95),
                hit_at_4_by_pattern={p: statistics.fmean(r.hit_at_4 for r in mine if r.pattern == p) for p in patterns},
            )
        )
    return summaries
