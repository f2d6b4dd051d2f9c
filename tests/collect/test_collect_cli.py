"""`ragops fetch arxiv`, `ragops ingest --from-raw` and `ragops raw export/import` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ragops.cli import app
from ragops.runtime import Runtime
from ragops.store import raw_documents as raw_repo
from tests.fakes.arxiv import FakeArxivApi, renumbered
from tests.fakes.website import FakeWebsite

runner = CliRunner()


def env(runtime: Runtime, api: FakeArxivApi | None = None) -> dict[str, str]:
    values = {"RAGOPS_HOME": str(runtime.settings.home), "COLUMNS": "200"}
    if api is not None:
        values |= {"RAGOPS_COLLECT__ARXIV_URL": api.api_url, "RAGOPS_COLLECT__ARXIV_INTERVAL_S": "0"}
    return values


def test_fetch_then_ingest_from_raw_then_move_the_store(runtime: Runtime, collection_name: str, tmp_path: Path) -> None:
    # given a fetch of four papers
    with FakeArxivApi(renumbered(4)) as api:
        fetched = runner.invoke(
            app, ["fetch", "arxiv", "-q", "cat:cs.RO", "--max", "4", "-c", collection_name], env=env(runtime, api)
        )
    assert fetched.exit_code == 0, fetched.output
    assert "4 raw records written" in fetched.stdout
    assert f"ragops ingest --from-raw -c {collection_name}" in fetched.stdout
    # when it is ingested from the raw store
    ingested = runner.invoke(app, ["ingest", "--from-raw", "-c", collection_name], env=env(runtime))
    assert ingested.exit_code == 0, ingested.output
    assert "3 added" in ingested.stdout and "1 duplicate" in ingested.stdout  # the samples cycle: paper 4 = paper 1
    # and exported, emptied and imported again
    export = tmp_path / "raw.jsonl"
    exported = runner.invoke(app, ["raw", "export", str(export), "-c", collection_name], env=env(runtime))
    assert exported.exit_code == 0, exported.output
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    assert len(lines) == 4 and {r["source_kind"] for r in lines} == {"arxiv"}
    with runtime.db.connection() as conn:
        conn.execute("DELETE FROM raw_documents WHERE collection = %s", (collection_name,))
    imported = runner.invoke(app, ["raw", "import", str(export)], env=env(runtime))
    again = runner.invoke(app, ["raw", "import", str(export)], env=env(runtime))
    # then everything is back, once
    assert imported.exit_code == 0 and "imported 4 raw documents" in imported.stdout
    assert "imported 0 raw documents (4 already stored)" in again.stdout
    with runtime.db.connection() as conn:
        assert raw_repo.count_raw_documents(conn, collection_name) == 4


def test_import_of_a_damaged_line_names_it_and_writes_nothing(
    runtime: Runtime, collection_name: str, tmp_path: Path
) -> None:
    good = {"collection": collection_name, "source_kind": "web", "source_id": "a", "content_type": "text/plain",
            "body": "some text"}  # fmt: skip
    damaged = good | {"source_id": "b", "content_hash": "0" * 64}
    export = tmp_path / "raw.jsonl"
    export.write_text(json.dumps(good) + "\n" + json.dumps(damaged) + "\n")
    result = runner.invoke(app, ["raw", "import", str(export)], env=env(runtime))
    assert result.exit_code == 1
    assert f"{export}:2" in result.stderr and "content_hash does not match" in result.stderr
    with runtime.db.connection() as conn:
        assert raw_repo.count_raw_documents(conn, collection_name) == 0


def test_fetch_arxiv_without_a_query_says_what_to_give(runtime: Runtime) -> None:
    result = runner.invoke(app, ["fetch", "arxiv"], env=env(runtime))
    assert result.exit_code == 1
    assert "--query" in result.stderr and "--id-list" in result.stderr


def test_ingest_from_raw_refuses_a_path(runtime: Runtime) -> None:
    result = runner.invoke(app, ["ingest", "--from-raw", "somewhere"], env=env(runtime))
    assert result.exit_code == 1
    assert "give no PATH" in result.stderr


def test_fetch_web_reports_what_it_crawled(runtime: Runtime, collection_name: str) -> None:
    with FakeWebsite() as site:
        result = runner.invoke(
            app,
            ["fetch", "web", f"{site.url}/", "--depth", "1", "-c", collection_name],
            env=env(runtime) | {"RAGOPS_COLLECT__WEB_DELAY_S": "0"},
        )
    assert result.exit_code == 0, result.output
    assert "3 pages, 3 raw records written" in result.stdout and "1 (robots.txt)" in result.stdout
    refused = runner.invoke(app, ["fetch", "web", "ftp://example.org/"], env=env(runtime))
    assert refused.exit_code == 1 and "not an http(s) URL" in refused.stderr
