"""Folder sync against the real database and embedder."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ragops.cli import app
from ragops.collect.sync import SyncReport, sync_folder
from ragops.errors import IngestError
from ragops.runtime import Runtime

runner = CliRunner()


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def sync(runtime: Runtime, folder: Path, collection: str) -> SyncReport:
    return sync_folder(runtime.db, runtime.embedder, folder, collection=collection, chunking=runtime.settings.chunking)


def stored(runtime: Runtime, collection: str) -> dict[str, str]:
    with runtime.db.connection() as conn:
        rows = conn.execute(
            "SELECT d.source_id, string_agg(ch.text, ' ') FROM documents d JOIN collections c ON c.id = d.collection_id"
            " JOIN chunks ch ON ch.document_id = d.id WHERE c.name = %s GROUP BY d.source_id",
            (collection,),
        ).fetchall()
    return dict(rows)


def test_sync_adds_updates_removes_and_skips_unchanged(runtime: Runtime, collection_name: str, tmp_path: Path) -> None:
    # given a synced folder
    for name in ("keep.md", "change.md", "delete.md", "broken.txt"):
        write(tmp_path, name, f"# {name}\n\nThe notes in {name} about vector search and chunking.")
    first = sync(runtime, tmp_path, collection_name)
    assert first.ingest.counts.documents_added == 4 and first.removed == 0
    # when one file changes, one is deleted, one is added and one can no longer be read
    write(tmp_path, "change.md", "# change.md\n\nRewritten: hybrid retrieval fuses keyword and dense rankings.")
    (tmp_path / "delete.md").unlink()
    write(tmp_path, "sub/new.md", "# new\n\nA new note on rerankers and cross-encoders.")
    (tmp_path / "broken.txt").write_bytes(b"\xff\xfe not utf-8")
    second = sync(runtime, tmp_path, collection_name)
    # then
    counts = second.ingest.counts
    assert (counts.documents_added, counts.documents_updated, counts.documents_unchanged) == (1, 1, 1)
    assert second.removed == 1 and counts.documents_failed == 1
    assert counts.chunks_embedded == 2  # only the changed and the new file's chunks
    documents = stored(runtime, collection_name)
    assert sorted(documents) == ["broken.txt", "change.md", "keep.md", "sub/new.md"]  # broken keeps its last text
    assert "hybrid retrieval" in documents["change.md"]
    # and a third sync with nothing changed costs no embedding
    third = sync(runtime, tmp_path, collection_name)
    assert third.ingest.counts.chunks_embedded == 0 and third.removed == 0


def test_sync_of_a_missing_folder_says_so(runtime: Runtime, collection_name: str, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="not a folder"):
        sync(runtime, tmp_path / "nowhere", collection_name)


def test_sync_command_reports_what_it_did(runtime: Runtime, collection_name: str, tmp_path: Path) -> None:
    write(tmp_path, "a.md", "# a\n\nNotes on BM25 term statistics.")
    env = {"RAGOPS_HOME": str(runtime.settings.home), "COLUMNS": "200"}
    result = runner.invoke(app, ["sync", str(tmp_path), "-c", collection_name], env=env)
    assert result.exit_code == 0, result.output
    assert "1 added, 0 updated, 0 removed, 0 unchanged" in result.stdout
    missing = runner.invoke(app, ["sync", str(tmp_path / "nowhere"), "-c", collection_name], env=env)
    assert missing.exit_code == 1 and "not a folder" in missing.stderr
