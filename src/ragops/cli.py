"""The `ragops` command line."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import date
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from ragops.config import Settings, load_settings, masked_config
from ragops.errors import RagopsError
from ragops.types import Answer, SearchFilters

app = typer.Typer(help="Self-hostable RAG: ingest, ask, serve.", no_args_is_help=True, add_completion=False)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(bench_app, name="bench")

console = Console()
errors = Console(stderr=True)

ProfileOption = Annotated[str | None, typer.Option("--profile", help="confs/<profile>.yaml (default: dev)")]
CollectionOption = Annotated[str | None, typer.Option("--collection", "-c", help="knowledge base name")]


class SourceKind(StrEnum):
    ARXIV_JSONL = "arxiv-jsonl"
    FILES = "files"
    BEIR = "beir"  # a BEIR corpus.jsonl


def _settings(profile: str | None) -> Settings:
    try:
        return load_settings(profile)
    except RagopsError as exc:
        _fail(exc)


def _fail(exc: Exception) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {exc}", highlight=False)
    raise typer.Exit(code=1)


@config_app.command("show")
def config_show(
    profile: ProfileOption = None,
    schema: Annotated[bool, typer.Option("--schema", help="print the JSON schema instead")] = False,
) -> None:
    """Print the effective configuration (secrets masked)."""
    if schema:
        console.print_json(json.dumps(Settings.model_json_schema()))
        return
    console.print_json(json.dumps(masked_config(_settings(profile))))


@db_app.command("status")
def db_status(profile: ProfileOption = None) -> None:
    """Server location, schema version, and per-collection counts."""
    from ragops.store.database import open_database
    from ragops.store.status import database_status

    settings = _settings(profile)
    try:
        db = open_database(settings)
        try:
            status = database_status(db)
        finally:
            db.close()
    except RagopsError as exc:
        _fail(exc)
    console.print(f"[bold]server[/]   {status.location} (PostgreSQL {status.server_version})")
    console.print(f"[bold]schema[/]   version {status.schema_version}")
    table = Table("collection", "documents", "chunks", "embedder", "dim", "last ingest")
    for row in status.collections:
        table.add_row(
            row.name,
            str(row.documents),
            str(row.chunks),
            row.embedder_id or "-",
            str(row.dimension or "-"),
            row.last_run or "-",
        )
    console.print(table)


@app.command()
def ingest(
    path: Annotated[Path | None, typer.Argument(help="file or folder; default: the bundled arXiv demo corpus")] = None,
    source: Annotated[SourceKind | None, typer.Option(help="format of PATH (default: by file type)")] = None,
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Ingest documents: clean, chunk, embed, store. Unchanged documents are skipped."""
    from ragops.ingest.pipeline import ingest_documents
    from ragops.ingest.sources.arxiv_jsonl import read_arxiv_jsonl
    from ragops.ingest.sources.beir import read_beir_corpus
    from ragops.ingest.sources.files import read_text_files
    from ragops.runtime import open_runtime

    settings = _settings(profile)
    path = path or Path(str(resources.files("ragops") / "corpora" / "arxiv" / "papers.jsonl"))
    if not path.exists():
        _fail(FileNotFoundError(f"{path} does not exist"))
    if source is None:
        source = SourceKind.ARXIV_JSONL if path.suffix == ".jsonl" else SourceKind.FILES
    readers = {
        SourceKind.ARXIV_JSONL: read_arxiv_jsonl,
        SourceKind.FILES: read_text_files,
        SourceKind.BEIR: read_beir_corpus,
    }
    items = readers[source](path)
    try:
        with open_runtime(settings, with_llm=False) as runtime, _ingest_progress() as progress:
            task = progress.add_task("ingest", total=None, chunks=0)

            def advance(documents: int, chunks: int, total: int) -> None:
                progress.update(task, total=total, advance=documents)
                progress.update(task, chunks=progress.tasks[task].fields["chunks"] + chunks)

            report = ingest_documents(
                runtime.db,
                runtime.embedder,
                items,
                collection=collection or settings.collection,
                source=source.value,
                location=str(path),
                chunking=settings.chunking,
                on_progress=advance,
            )
    except RagopsError as exc:
        _fail(exc)
    counts = report.counts
    console.print(
        f"[bold green]done[/] in {report.seconds:.1f} s: collection {report.collection!r} - "
        f"{counts.documents_added} added, {counts.documents_updated} updated, "
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


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="the question")],
    as_json: Annotated[bool, typer.Option("--json", help="print the answer as JSON")] = False,
    mode: Annotated[str | None, typer.Option(help="dense | keyword | hybrid (default: config)")] = None,
    top_k: Annotated[int | None, typer.Option("--top-k", min=1, max=50, help="passages for the model")] = None,
    category: Annotated[list[str] | None, typer.Option(help="only papers in this arXiv category")] = None,
    since: Annotated[str | None, typer.Option(help="published on or after YYYY-MM-DD")] = None,
    until: Annotated[str | None, typer.Option(help="published on or before YYYY-MM-DD")] = None,
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Answer a question from the knowledge base, with citations."""
    from ragops.runtime import open_runtime

    settings = _settings(profile)
    if not question.strip():
        _fail(ValueError("the question is empty: ask something"))
    if mode not in (None, "dense", "keyword", "hybrid"):
        _fail(ValueError(f"unknown mode {mode!r}: use dense, keyword or hybrid"))
    try:
        filters = SearchFilters(
            categories=tuple(category) if category else None,
            published_from=date.fromisoformat(since) if since else None,
            published_to=date.fromisoformat(until) if until else None,
        )
    except ValueError as exc:
        _fail(ValueError(f"dates must be YYYY-MM-DD: {exc}"))
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    try:
        with open_runtime(settings, with_llm=True) as runtime:
            answer = runtime.pipeline().answer(
                question.strip(),
                collection=collection or settings.collection,
                mode=mode,  # type: ignore[arg-type]
                top_k=top_k,
                filters=filters,
            )
    except RagopsError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(asdict(answer), ensure_ascii=False, indent=2))
    else:
        _print_answer(answer)


def _print_answer(answer: Answer) -> None:
    console.print(answer.text, highlight=False)
    if answer.citations:
        console.print()
        for citation in answer.citations:
            marker = "[bold]" if citation.cited else "[dim]"
            console.print(f"{marker}[{citation.number}] {citation.title}[/] {citation.uri or ''}", highlight=False)
    stages = ", ".join(f"{stage} {ms:.0f} ms" for stage, ms in answer.timings_ms.items())
    console.print(f"[dim]{answer.retrieval_mode} · {stages}[/]")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default: server.host, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default: server.port, 8000)")] = None,
    profile: ProfileOption = None,
) -> None:
    """Serve the HTTP API."""
    import uvicorn

    from ragops.api.app import create_app

    settings = _settings(profile)
    host = host or settings.server.host
    if host not in ("127.0.0.1", "localhost", "::1"):
        errors.print(f"[yellow]warning:[/] listening on {host}: the API has no authentication yet")
    uvicorn.run(create_app(settings), host=host, port=port or settings.server.port, log_level="info")


@bench_app.command("retrieval")
def bench_retrieval(
    data: Annotated[Path, typer.Option(help="BEIR folder: corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv")],
    split: Annotated[str, typer.Option(help="qrels split to score")] = "test",
    mode: Annotated[
        list[str] | None, typer.Option(help="mode to run, repeatable (default: every non-LLM mode)")
    ] = None,
    depth: Annotated[
        int, typer.Option(min=10, max=1000, help="chunks each retriever returns (recall@100 wants >= 100)")
    ] = 200,
    limit: Annotated[int | None, typer.Option(min=1, help="run only the first N queries (LLM modes are slow)")] = None,
    query_threads: Annotated[int, typer.Option(min=1, help="torch threads while querying")] = 1,
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Score retrieval modes on a BEIR dataset: one JSON line per mode (ndcg@10, recall@100, mrr@10, latency)."""
    from ragops.evaluation.beir import load_beir_dataset
    from ragops.evaluation.retrieval_bench import (
        DEFAULT_MODES,
        LLM_MODES,
        MODES,
        ingest_dataset,
        mode_settings,
        run_mode,
    )
    from ragops.runtime import open_runtime

    settings = _settings(profile)
    modes = mode or list(DEFAULT_MODES)
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        _fail(ValueError(f"unknown mode {', '.join(unknown)}; known: {', '.join(MODES)}"))
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    try:
        dataset = load_beir_dataset(data, split)
        target = collection or f"bench-{dataset.name}"
        needs_llm = any(m in LLM_MODES for m in modes)
        with open_runtime(settings, with_llm=needs_llm) as runtime:
            report = ingest_dataset(
                runtime.db, runtime.embedder, dataset, collection=target, chunking=settings.chunking
            )
            errors.print(
                f"collection {target!r}: {report.counts.documents_added} added, "
                f"{report.counts.documents_unchanged} unchanged ({report.seconds:.1f} s)"
            )
            # One short query gains nothing from a second thread; on 2 busy cores it lost (embed p95 56 -> 530 ms).
            import torch

            torch.set_num_threads(query_threads)
            indexes = list(range(min(limit, len(dataset.queries)))) if limit else None
            results = []
            for name in modes:
                searcher = runtime.searcher(mode_settings(settings, name, depth))
                result = run_mode(searcher, dataset, mode=name, split=split, collection=target, queries=indexes)
                typer.echo(json.dumps(result.as_json()))
                results.append(result)
    except RagopsError as exc:
        _fail(exc)
    table = Table("mode", "nDCG@10", "recall@100", "MRR@10", "p50 ms", "p95 ms", title=f"{dataset.name} ({split})")
    for r in results:
        table.add_row(
            r.mode,
            f"{r.ndcg_at_10:.4f}",
            f"{r.recall_at_100:.4f}",
            f"{r.mrr_at_10:.4f}",
            f"{r.latency_p50_ms:.1f}",
            f"{r.latency_p95_ms:.1f}",
        )
    errors.print(table)
