"""`ragops ingest` and `ragops sync`: documents into a collection, with a progress bar."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from ragops.cli.common import CollectionOption, ProfileOption, app, console, errors, fail, settings_for
from ragops.errors import IngestError, RagopsError

if TYPE_CHECKING:
    from ragops.collect.sync import SyncReport
    from ragops.config import Settings
    from ragops.ingest.pipeline import IngestReport, ProgressCallback
    from ragops.runtime import Runtime
    from ragops.types import SourceDocument

T = TypeVar("T")


class SourceKind(StrEnum):
    ARXIV_JSONL = "arxiv-jsonl"
    FILES = "files"
    BEIR = "beir"  # a BEIR corpus.jsonl


@app.command()
def ingest(
    path: Annotated[Path | None, typer.Argument(help="file or folder; default: the bundled arXiv demo corpus")] = None,
    source: Annotated[SourceKind | None, typer.Option(help="format of PATH (default: by file type)")] = None,
    collection: CollectionOption = None,
    from_raw: Annotated[
        bool, typer.Option("--from-raw", help="the collection's documents in the raw store (`ragops fetch`)")
    ] = False,
    profile: ProfileOption = None,
) -> None:
    """Ingest documents: clean, chunk, embed, store. Unchanged documents are skipped."""
    from ragops.ingest.sources.arxiv_jsonl import read_arxiv_jsonl
    from ragops.ingest.sources.beir import read_beir_corpus
    from ragops.ingest.sources.files import read_text_files
    from ragops.ingest.sources.raw import read_raw_store

    settings = settings_for(profile)
    target = collection or settings.collection
    if from_raw:
        if path is not None or source is not None:
            fail(ValueError("--from-raw reads the raw store: give no PATH and no --source with it"))
        _run_ingest(settings, lambda runtime: read_raw_store(runtime.db, target), target, "raw", f"raw:{target}")
        return
    path = path or Path(str(resources.files("ragops") / "corpora" / "arxiv" / "papers.jsonl"))
    if not path.exists():
        fail(FileNotFoundError(f"{path} does not exist"))
    if source is None:
        source = SourceKind.ARXIV_JSONL if path.suffix == ".jsonl" else SourceKind.FILES
    readers = {
        SourceKind.ARXIV_JSONL: read_arxiv_jsonl,
        SourceKind.FILES: read_text_files,
        SourceKind.BEIR: read_beir_corpus,
    }
    read, found = readers[source], path
    _run_ingest(settings, lambda _: read(found), target, source.value, str(found))


def _run_ingest(
    settings: Settings,
    items: Callable[[Runtime], Iterable[SourceDocument | IngestError]],
    collection: str,
    source: str,
    location: str,
) -> None:
    """Ingest what `items` reads (given the opened runtime) with a progress bar, then print the report."""
    from ragops.ingest.pipeline import ingest_documents

    def work(runtime: Runtime, advance: ProgressCallback, redact: Callable[[str], str] | None) -> IngestReport:
        return ingest_documents(
            runtime.db,
            runtime.embedder,
            items(runtime),
            collection=collection,
            source=source,
            location=location,
            chunking=settings.chunking,
            on_progress=advance,
            redact=redact,
        )

    _print_report(_with_progress(settings, work))


@app.command()
def sync(
    folder: Annotated[Path, typer.Argument(help="the folder of .md/.txt files the collection follows")],
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Make a collection follow a folder: new and changed files ingested, deleted files' documents removed."""
    from ragops.collect.sync import sync_folder

    settings = settings_for(profile)

    def work(runtime: Runtime, advance: ProgressCallback, redact: Callable[[str], str] | None) -> SyncReport:
        return sync_folder(
            runtime.db,
            runtime.embedder,
            folder,
            collection=collection or settings.collection,
            chunking=settings.chunking,
            on_progress=advance,
            redact=redact,
        )

    report = _with_progress(settings, work)
    _print_report(report.ingest, f"{report.removed} removed, ")


def _with_progress(
    settings: Settings, work: Callable[[Runtime, ProgressCallback, Callable[[str], str] | None], T]
) -> T:
    """`work` on the opened runtime, given a progress callback and the configured redactor; errors end the command."""
    from ragops.guardrails.registry import ingest_redactor
    from ragops.runtime import open_runtime

    try:
        with open_runtime(settings, with_llm=False) as runtime, _ingest_progress() as progress:
            task = progress.add_task("ingest", total=None, chunks=0)

            def advance(documents: int, chunks: int, total: int) -> None:
                progress.update(task, total=total, advance=documents)
                progress.update(task, chunks=progress.tasks[task].fields["chunks"] + chunks)

            return work(runtime, advance, ingest_redactor(settings.guardrails))
    except RagopsError as exc:
        fail(exc)


def _print_report(report: IngestReport, removed: str = "") -> None:
    counts = report.counts
    console.print(
        f"[bold green]done[/] in {report.seconds:.1f} s: collection {report.collection!r} - "
        f"{counts.documents_added} added, {counts.documents_updated} updated, {removed}"
        f"{counts.documents_unchanged} unchanged, {counts.documents_duplicate} duplicate, "
        f"{counts.documents_failed} failed; {counts.chunks_embedded} chunks embedded, "
        f"{counts.chunks_reused} reused"
    )
    for message in report.errors[:20]:
        errors.print(f"[yellow]skipped[/] {message}", highlight=False)
    if len(report.errors) > 20:
        errors.print(f"... and {len(report.errors) - 20} more")


class _RateColumn(ProgressColumn):
    """Documents and chunks per second since the task started."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        if elapsed <= 0:
            return Text("")
        return Text(f"{task.completed / elapsed:.1f} docs/s · {task.fields['chunks'] / elapsed:.1f} chunks/s")


def _ingest_progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("docs · {task.fields[chunks]} chunks ·"),
        _RateColumn(),
        TimeElapsedColumn(),
        console=errors,
    )
