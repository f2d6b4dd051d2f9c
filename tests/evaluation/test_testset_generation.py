"""`ragops eval generate` on the ingested arXiv sample with the real SmolLM2 and MiniLM."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ragops.cli import app
from ragops.evaluation.manifest import manifest_path
from ragops.evaluation.testset import items_sha256, load_testset
from ragops.prompts import load_prompt
from ragops.runtime import Runtime
from ragops.store.collections import require_collection
from ragops.store.sampling import corpus_fingerprint, sample_chunks


def _generate(home: Path, collection: str, n: int, out: Path) -> None:
    args = ["eval", "generate", "--collection", collection, "--n", str(n), "--seed", "11", "--out", str(out)]
    result = CliRunner().invoke(app, args, env={"RAGOPS_HOME": str(home), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output


def test_generate_writes_items_and_a_manifest_reproducible_from_the_seed(
    runtime: Runtime, sample_collection: str, tmp_path: Path
) -> None:
    # when: two items, then one with the same seed
    _generate(runtime.settings.home, sample_collection, 2, tmp_path / "two.jsonl")
    _generate(runtime.settings.home, sample_collection, 1, tmp_path / "one.jsonl")
    # then: gold is the chunk each question was written from, and that chunk's document
    items = load_testset(tmp_path / "two.jsonl")
    assert 1 <= len(items) <= 2
    for item in items:
        assert item.id == item.gold_chunks[0] and item.gold_documents == (item.gold_chunks[0].split("#")[0],)
        assert item.question and item.reference_answer
    # the same seed samples the same chunks, and greedy decoding writes the same questions
    assert load_testset(tmp_path / "one.jsonl") == items[:1]
    manifest = json.loads(manifest_path(tmp_path / "two.jsonl").read_text(encoding="utf-8"))
    with runtime.db.connection() as conn:
        fingerprint = corpus_fingerprint(conn, require_collection(conn, sample_collection))
    assert manifest["corpus_fingerprint"] == fingerprint.sha256 and manifest["corpus_chunks"] == fingerprint.chunks
    assert manifest["content_sha256"] == items_sha256(items)
    assert runtime.llm is not None and manifest["generator_model"] == runtime.llm.model_id
    assert manifest["seed"] == 11 and manifest["requested"] == 2 and manifest["kept"] == len(items)
    assert manifest["tried"] == manifest["kept"] + sum(manifest["dropped"].values())
    assert manifest["prompt_versions"]["testset_question_system"] == load_prompt("testset_question_system").version
    assert manifest["created_at"].endswith("+00:00")


def test_sampling_is_seeded_and_skips_short_chunks(runtime: Runtime, sample_collection: str) -> None:
    with runtime.db.connection() as conn:
        collection = require_collection(conn, sample_collection)
        first = sample_chunks(conn, collection, limit=10, seed=1, min_tokens=32)
        again = sample_chunks(conn, collection, limit=10, seed=1, min_tokens=32)
        other = sample_chunks(conn, collection, limit=10, seed=2, min_tokens=32)
        longer = sample_chunks(conn, collection, limit=20, seed=1, min_tokens=32)
    assert first == again and first != other
    assert longer[:10] == first  # asking for more extends the same order
    assert len({(c.source_id, c.ordinal) for c in first}) == 10


def test_generate_from_an_unknown_collection_says_how_to_create_it(runtime: Runtime) -> None:
    args = ["eval", "generate", "--collection", "nowhere", "--n", "2"]
    result = CliRunner().invoke(app, args, env={"RAGOPS_HOME": str(runtime.settings.home), "COLUMNS": "200"})
    assert result.exit_code == 1
    assert "ragops ingest --collection nowhere" in result.stderr
