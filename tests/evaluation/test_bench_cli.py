"""`ragops bench retrieval` end to end on a tiny BEIR dataset: real database, real MiniLM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ragops.cli import app
from ragops.config import Settings
from ragops.runtime import Runtime

TINY = Path(__file__).parents[1] / "data" / "beir_tiny"


def _bench(collection: str, *modes: str) -> list[dict[str, object]]:
    args = ["bench", "retrieval", "--data", str(TINY), "--split", "test", "--collection", collection]
    for mode in modes:
        args += ["--mode", mode]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_bench_prints_one_json_line_per_mode(
    runtime: Runtime, settings: Settings, collection_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAGOPS_HOME", str(settings.home))
    # when
    lines = _bench(collection_name, "dense", "keyword", "hybrid")
    # then: the three judged queries (query 4 has no judgement), each metric in range
    assert [line["mode"] for line in lines] == ["dense", "keyword", "hybrid"]
    for line in lines:
        assert line["queries"] == 3 and line["dataset"] == "beir_tiny" and line["split"] == "test"
        for metric in ("ndcg@10", "recall@100", "mrr@10"):
            assert 0.0 <= line[metric] <= 1.0  # type: ignore[operator]
        assert set(line["latency_ms"]) == {"p50", "p95"}  # type: ignore[arg-type]
    hybrid = lines[2]
    assert hybrid["mrr@10"] == 1.0  # each query's own document first
    assert hybrid["recall@100"] == 1.0  # dense reaches all eight documents
    assert {"embed_query", "dense", "keyword", "fuse"} <= set(hybrid["stages_ms"])  # type: ignore[arg-type]
    # the corpus went into its own collection only, and a second run reuses it
    with runtime.db.connection() as conn:
        row = conn.execute(
            "SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = %s",
            (collection_name,),
        ).fetchone()
    assert row is not None and row[0] == 8
    again = CliRunner().invoke(
        app,
        [
            "bench",
            "retrieval",
            "--data",
            str(TINY),
            "--split",
            "test",
            "--collection",
            collection_name,
            "--mode",
            "keyword",
        ],
    )
    assert again.exit_code == 0 and "0 added, 8 unchanged" in _unwrapped(again.stderr)


def test_bench_refuses_bad_input(tmp_path: Path) -> None:
    missing = CliRunner().invoke(app, ["bench", "retrieval", "--data", str(tmp_path), "--split", "test"])
    assert missing.exit_code == 1 and "corpus.jsonl is missing" in _unwrapped(missing.stderr)
    unknown = CliRunner().invoke(app, ["bench", "retrieval", "--data", str(TINY), "--split", "test", "--mode", "magic"])
    assert unknown.exit_code == 1 and "unknown mode magic" in _unwrapped(unknown.stderr)


def _unwrapped(text: str) -> str:
    """Rich wraps long messages to the terminal width."""
    return " ".join(text.split())


def test_ingest_reads_a_beir_corpus(settings: Settings, collection_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGOPS_HOME", str(settings.home))
    result = CliRunner().invoke(
        app, ["ingest", str(TINY / "corpus.jsonl"), "--source", "beir", "--collection", collection_name]
    )
    assert result.exit_code == 0, result.output
    assert "8 added" in _unwrapped(result.stdout)
