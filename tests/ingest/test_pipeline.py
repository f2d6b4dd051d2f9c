"""Ingestion against the real embedded PostgreSQL and MiniLM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ragops.config import EmbedderSettings
from ragops.errors import EmbedderMismatchError
from ragops.ingest.pipeline import ingest_documents
from ragops.ingest.sources.files import read_text_files
from ragops.providers.sentence_transformers import SentenceTransformerEmbedder
from ragops.runtime import Runtime
from ragops.store.collections import require_collection
from tests.conftest import ARXIV_SAMPLE, ingest_into

SAMPLE_SIZE = sum(1 for line in ARXIV_SAMPLE.open() if line.strip())


def counts(runtime: Runtime, collection: str) -> tuple[int, int]:
    with runtime.db.connection() as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id"
            "        WHERE c.name = %(c)s),"
            "       (SELECT count(*) FROM chunks k JOIN collections c ON c.id = k.collection_id"
            "        WHERE c.name = %(c)s)",
            {"c": collection},
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def sample_records(n: int) -> list[dict[str, object]]:
    return [json.loads(line) for line in ARXIV_SAMPLE.read_text().splitlines()[:n]]


def test_reingesting_unchanged_documents_embeds_nothing(runtime: Runtime, collection_name: str) -> None:
    first = ingest_into(runtime, collection_name)
    assert first.counts.documents_added == SAMPLE_SIZE
    assert first.counts.chunks_embedded > SAMPLE_SIZE  # long abstracts take two chunks
    stored = counts(runtime, collection_name)

    second = ingest_into(runtime, collection_name)

    assert second.counts.documents_unchanged == SAMPLE_SIZE
    assert second.counts.documents_added == second.counts.documents_updated == 0
    assert second.counts.chunks_embedded == 0
    assert counts(runtime, collection_name) == stored


def test_a_changed_document_has_its_chunks_replaced(runtime: Runtime, collection_name: str, tmp_path: Path) -> None:
    records = sample_records(5)
    ingest_into(runtime, collection_name, write_jsonl(tmp_path / "v1.jsonl", records))
    changed_id = str(records[2]["id"])
    records[2] = {**records[2], "abstract": "A completely rewritten abstract about sparse mixture-of-experts routing."}

    report = ingest_into(runtime, collection_name, write_jsonl(tmp_path / "v2.jsonl", records))

    assert (report.counts.documents_updated, report.counts.documents_unchanged) == (1, 4)
    assert report.counts.chunks_embedded == 1
    with runtime.db.connection() as conn:
        texts = [
            row[0]
            for row in conn.execute(
                "SELECT k.text FROM chunks k JOIN documents d ON d.id = k.document_id"
                " JOIN collections c ON c.id = d.collection_id WHERE c.name = %s AND d.source_id = %s",
                (collection_name, changed_id),
            )
        ]
    assert texts == ["A completely rewritten abstract about sparse mixture-of-experts routing."]


def test_metadata_only_change_updates_without_embedding(runtime: Runtime, collection_name: str, tmp_path: Path) -> None:
    records = sample_records(3)
    ingest_into(runtime, collection_name, write_jsonl(tmp_path / "v1.jsonl", records))
    records[0] = {**records[0], "categories": ["cs.IR"]}

    report = ingest_into(runtime, collection_name, write_jsonl(tmp_path / "v2.jsonl", records))

    assert report.counts.documents_updated == 1
    assert report.counts.chunks_embedded == 0  # same texts: vectors reused
    assert report.counts.chunks_reused >= 1


def test_the_same_text_under_another_id_is_a_duplicate(runtime: Runtime, collection_name: str, tmp_path: Path) -> None:
    records = sample_records(2)
    resubmitted = {**records[0], "id": "9999.00001", "categories": ["cs.DL"]}  # same title and abstract

    report = ingest_into(runtime, collection_name, write_jsonl(tmp_path / "d.jsonl", [*records, resubmitted]))

    assert report.counts.documents_added == 2
    assert report.counts.documents_duplicate == 1
    assert counts(runtime, collection_name)[0] == 2


def test_malformed_lines_are_reported_and_the_rest_ingested(
    runtime: Runtime, collection_name: str, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.jsonl"
    good = sample_records(2)
    path.write_text(json.dumps(good[0]) + "\n{not json\n" + json.dumps({"id": "x"}) + "\n" + json.dumps(good[1]) + "\n")

    report = ingest_into(runtime, collection_name, path)

    assert report.counts.documents_added == 2
    assert report.counts.documents_failed == 2
    assert any(":2:" in message for message in report.errors)
    assert any(":3:" in message and "KeyError" in message for message in report.errors)


def test_text_files_are_ingested_and_bad_files_reported(runtime: Runtime, collection_name: str, tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# Vector databases\n\nHNSW graphs answer nearest-neighbour queries fast.\n")
    (tmp_path / "plain.txt").write_text("BM25 scores terms by frequency and rarity.")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n")  # ignored: not a text type

    report = ingest_documents(
        runtime.db,
        runtime.embedder,
        read_text_files(tmp_path),
        collection=collection_name,
        source="files",
        location=str(tmp_path),
        chunking=runtime.settings.chunking,
    )

    assert report.counts.documents_added == 2
    assert report.counts.documents_failed == 1
    assert "UTF-8" in report.errors[0]
    with runtime.db.connection() as conn:
        titles = {
            r[0]
            for r in conn.execute(
                "SELECT title FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = %s",
                (collection_name,),
            )
        }
    assert titles == {"Vector databases", "plain"}


def test_another_embedder_cannot_write_into_the_collection(
    runtime: Runtime, collection_name: str, tmp_path: Path
) -> None:
    ingest_into(runtime, collection_name, write_jsonl(tmp_path / "a.jsonl", sample_records(1)))
    # the same weights under another id stand for any other embedder
    other = SentenceTransformerEmbedder(EmbedderSettings(model_id="someone/else-v2"))

    with pytest.raises(EmbedderMismatchError, match="someone/else-v2"):
        ingest_documents(
            runtime.db,
            other,
            [],
            collection=collection_name,
            source="arxiv-jsonl",
            location="-",
            chunking=runtime.settings.chunking,
        )


def test_a_run_killed_mid_ingest_is_completed_by_the_next_run(runtime: Runtime, collection_name: str) -> None:
    # given an ingest in another process, killed (SIGKILL) after some batches were written
    env = {**os.environ, "RAGOPS_HOME": str(runtime.settings.home)}
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from ragops.cli import app; app()",
            "ingest",
            str(ARXIV_SAMPLE),
            "--collection",
            collection_name,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and child.poll() is None:
            with runtime.db.connection() as conn:
                found = conn.execute(
                    "SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = %s",
                    (collection_name,),
                ).fetchone()
            if found and 0 < found[0] < SAMPLE_SIZE:
                break
            time.sleep(0.1)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    partial_documents, _ = counts(runtime, collection_name)
    assert 0 < partial_documents < SAMPLE_SIZE, "the child should have been killed mid-run"

    # when ingesting again
    report = ingest_into(runtime, collection_name)

    # then the job is complete, with nothing duplicated and no half-written document
    assert report.counts.documents_added == SAMPLE_SIZE - partial_documents
    assert report.counts.documents_unchanged == partial_documents
    documents, chunks = counts(runtime, collection_name)
    assert documents == SAMPLE_SIZE
    with runtime.db.connection() as conn:
        collection = require_collection(conn, collection_name)
        chunkless = conn.execute(
            "SELECT count(*) FROM documents d WHERE d.collection_id = %s"
            " AND NOT EXISTS (SELECT 1 FROM chunks k WHERE k.document_id = d.id)",
            (collection.id,),
        ).fetchone()
        statuses = [
            r[0]
            for r in conn.execute(
                "SELECT status FROM ingestion_runs WHERE collection_id = %s ORDER BY id", (collection.id,)
            )
        ]
    assert chunkless == (0,)
    assert statuses == ["interrupted", "completed"]
    assert chunks >= documents
