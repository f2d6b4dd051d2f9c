"""`ragops bench conversation` end to end on dialogues of the bundled set whose papers are in the test sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ragops.cli import app
from ragops.config import Settings
from ragops.errors import ConfigError
from ragops.evaluation.conversation_bench import load_dialogues

DIALOGUES = Path(__file__).parents[2] / "benchmarks" / "conversation" / "arxiv-demo-dialogues.jsonl"
IN_SAMPLE = ("conv-003", "conv-006", "conv-018", "conv-023")  # every gold paper is in tests/data/arxiv_sample


def test_the_bench_scores_follow_ups_per_strategy_against_the_floor_and_ceiling(
    settings: Settings, sample_collection: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "dialogues.jsonl"
    lines = DIALOGUES.read_text(encoding="utf-8").splitlines()
    chosen.write_text("\n".join(line for line in lines if json.loads(line)["id"] in IN_SAMPLE), encoding="utf-8")
    rows_path = tmp_path / "rows.jsonl"
    monkeypatch.setenv("RAGOPS_HOME", str(settings.home))

    args = [
        "--dialogues",
        str(chosen),
        "--collection",
        sample_collection,
        "--strategy",
        "rules",
        "--out",
        str(rows_path),
    ]
    result = CliRunner().invoke(app, ["bench", "conversation", *args])

    assert result.exit_code == 0, result.output
    summary = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    by_name = {s["strategy"]: s for s in summary["strategies"]}
    assert list(by_name) == ["none", "rules", "standalone"]
    assert all(s["follow_ups"] == 5 for s in by_name.values())  # 2 + 1 + 1 + 1 follow-ups, first turns unscored
    assert by_name["standalone"]["hit@4"] == 1.0
    assert by_name["rules"]["hit@4"] > by_name["none"]["hit@4"]
    assert by_name["rules"]["condense_ms"]["p95"] < 50
    rows = [json.loads(line) for line in rows_path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 15 and {r["turn"] for r in rows} == {2, 3}
    rules = [r for r in rows if r["strategy"] == "rules"]
    assert all(r["query"].startswith(r["question"]) for r in rules)


def test_a_malformed_dialogue_file_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "turns": [{"question": "q", "gold_documents": ["a"]}]}\n{"id": "y"}\n')

    with pytest.raises(ConfigError, match=r"bad.jsonl:2: not a dialogue"):
        load_dialogues(bad)
