"""Collector throughput on this machine: arXiv fetch at the polite rate, and folder sync with 1 % changed.

Run: PYTHONPATH=src:. python benchmarks/collect.py [--entries 300] [--files 1000]
Prints numbers; asserts nothing. arXiv is the fake API of tests/fakes/arxiv.py on 127.0.0.1 (real saved
entries, renumbered), spaced 3 s apart as against the real host; sync runs on a temporary folder and home.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from ragops.collect.arxiv import POLITE_INTERVAL_S, ArxivFetcher, ArxivQuery
from ragops.collect.http import PoliteClient, build_http_client
from ragops.collect.rate_limit import RateLimiter
from ragops.collect.sync import sync_folder
from ragops.config import load_settings
from ragops.runtime import open_runtime
from ragops.store.server import stop_embedded_server
from tests.fakes.arxiv import FakeArxivApi, renumbered

WORDS = "retrieval ranking embedding chunk index query passage answer citation corpus".split()


def note(number: int, revision: int = 0) -> str:
    body = " ".join(WORDS[(number * 7 + i * 3 + revision) % len(WORDS)] for i in range(120))
    return f"# Note {number}\n\nRevision {revision}. {body}\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="ragops-bench-collect-"))
    settings = load_settings().model_copy(update={"home": home})
    try:
        with open_runtime(settings, with_llm=False) as runtime:
            with FakeArxivApi(renumbered(args.entries)) as api, build_http_client(settings.collect) as client:
                polite = PoliteClient(client, RateLimiter(POLITE_INTERVAL_S), settings.collect.retry)
                fetcher = ArxivFetcher(runtime.db, polite, url=api.api_url, page_size=100, collection="bench")
                report = fetcher.fetch(ArxivQuery(search="all", max_results=args.entries))
            print(
                f"arXiv: {report.entries} entries, {report.pages} pages, {polite.requests} requests in "
                f"{report.seconds:.1f} s = {report.entries / report.seconds:.1f} items/s at one request / 3 s"
            )
            folder = home / "notes"
            folder.mkdir()
            for number in range(args.files):
                (folder / f"note-{number:04d}.md").write_text(note(number))
            for label in ("first sync", "nothing changed"):
                started = time.perf_counter()
                result = sync_folder(
                    runtime.db, runtime.embedder, folder, collection="bench-sync", chunking=settings.chunking
                )
                print(f"sync, {label}: {time.perf_counter() - started:.1f} s, {result.ingest.counts}")
            changed = max(1, args.files // 100)
            for number in range(changed):
                (folder / f"note-{number * 97 % args.files:04d}.md").write_text(note(number, revision=1))
            started = time.perf_counter()
            result = sync_folder(
                runtime.db, runtime.embedder, folder, collection="bench-sync", chunking=settings.chunking
            )
            print(
                f"sync, {changed} of {args.files} changed: {time.perf_counter() - started:.1f} s, {result.ingest.counts}"
            )
    finally:
        stop_embedded_server(home / "pgdata")
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
