"""The `ragops` command line."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

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

from ragops.config import Settings, load_settings, masked_config, with_pipeline_config
from ragops.errors import RagopsError
from ragops.providers.base import TextDelta
from ragops.types import Answer, RetrievalMode, SearchFilters

if TYPE_CHECKING:
    from ragops.evaluation.runner import EvalResult
    from ragops.guardrails.bench import BenchReport, GuardScore
    from ragops.guardrails.registry import GuardResources
    from ragops.model_checks import ProviderReport
    from ragops.store.database import Database

app = typer.Typer(help="Self-hostable RAG: ingest, ask, serve.", no_args_is_help=True, add_completion=False)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
models_app = typer.Typer(help="The configured model providers.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys for the HTTP API.", no_args_is_help=True)
traces_app = typer.Typer(help="Traces of answers and ingestion runs.", no_args_is_help=True)
mlflow_app = typer.Typer(help="The MLflow tracking store (traces, monitoring runs).", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks.", no_args_is_help=True)
registry_app = typer.Typer(help="Registered pipeline versions (the MLflow model registry).", no_args_is_help=True)
eval_app = typer.Typer(help="Test sets, pipeline evaluation and comparison (logged to MLflow).", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(models_app, name="models")
app.add_typer(keys_app, name="keys")
app.add_typer(traces_app, name="traces")
app.add_typer(mlflow_app, name="mlflow")
app.add_typer(bench_app, name="bench")
app.add_typer(registry_app, name="registry")
app.add_typer(eval_app, name="eval")

console = Console()
errors = Console(stderr=True)

ProfileOption = Annotated[str | None, typer.Option("--profile", help="confs/<profile>.yaml (default: dev)")]
CollectionOption = Annotated[str | None, typer.Option("--collection", "-c", help="knowledge base name")]


class ModeOption(StrEnum):
    DENSE = "dense"
    KEYWORD = "keyword"
    HYBRID = "hybrid"


class SplitOption(StrEnum):
    ALL = "all"
    TRAIN = "train"
    TEST = "test"


class SourceKind(StrEnum):
    ARXIV_JSONL = "arxiv-jsonl"
    FILES = "files"
    BEIR = "beir"  # a BEIR corpus.jsonl


def _settings(profile: str | None) -> Settings:
    try:
        return load_settings(profile)
    except RagopsError as exc:
        _fail(exc)


def _fail(exc: Exception) -> NoReturn:
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


@models_app.command("list")
def models_list(profile: ProfileOption = None) -> None:
    """The configured embedder and chat providers (in fallback order), and whether each is reachable."""
    from ragops.model_checks import list_providers

    _print_reports(list_providers(_settings(profile)), with_timings=False)


@models_app.command("test")
def models_test(profile: ProfileOption = None) -> None:
    """One tiny streamed chat through each chat provider and one embedding through the embedder."""
    from ragops.model_checks import test_providers

    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    _print_reports(test_providers(_settings(profile)), with_timings=True)


def _print_reports(reports: list[ProviderReport], *, with_timings: bool) -> None:
    table = Table("role", "#", "kind", "model", "status", "detail")
    if with_timings:
        table.add_column("first token")
        table.add_column("total")
    for report in reports:
        row = [
            report.role,
            str(report.position),
            report.kind,
            report.model,
            "[green]ok[/]" if report.ok else "[red]failed[/]",
            report.detail,
        ]
        if with_timings:
            row += [_ms(report.first_token_ms), _ms(report.latency_ms)]
        table.add_row(*row)
    console.print(table)
    if not all(report.ok for report in reports):
        raise typer.Exit(code=1)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


@db_app.command("stop")
def db_stop(profile: ProfileOption = None) -> None:
    """Stop the embedded PostgreSQL server (it starts again on the next command)."""
    from ragops.store.server import stop_embedded_server

    settings = _settings(profile)
    if settings.database.url is not None:
        _fail(ValueError("database.url is set: ragops does not manage that server"))
    stopped = stop_embedded_server(settings.pgdata)
    console.print("stopped" if stopped else f"no embedded server was running in {settings.pgdata}")


@app.command()
def ingest(
    path: Annotated[Path | None, typer.Argument(help="file or folder; default: the bundled arXiv demo corpus")] = None,
    source: Annotated[SourceKind | None, typer.Option(help="format of PATH (default: by file type)")] = None,
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Ingest documents: clean, chunk, embed, store. Unchanged documents are skipped."""
    from ragops.guardrails.registry import ingest_redactor
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
                redact=ingest_redactor(settings.guardrails),
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
    stream: Annotated[bool, typer.Option("--stream", help="print the answer as the model writes it")] = False,
    mode: Annotated[ModeOption | None, typer.Option(help="retrieval mode (default: config)")] = None,
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
    if stream and as_json:
        _fail(ValueError("--stream and --json do not combine: pick one"))
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
            pipeline = runtime.pipeline()
            target = collection or settings.collection
            retrieval_mode: RetrievalMode | None = mode.value if mode else None
            if stream:
                events = pipeline.stream_answer(
                    question.strip(), collection=target, mode=retrieval_mode, top_k=top_k, filters=filters
                )
                answer = _print_stream(events)
            else:
                answer = pipeline.answer(
                    question.strip(), collection=target, mode=retrieval_mode, top_k=top_k, filters=filters
                )
    except RagopsError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(asdict(answer), ensure_ascii=False, indent=2))
    elif not stream:
        _print_text(answer)
    if not as_json:
        _print_sources(answer)


def _print_stream(events: Iterator[TextDelta | Answer]) -> Answer:
    for event in events:
        if isinstance(event, Answer):
            console.print()
            return event
        console.print(event.text, end="", highlight=False, soft_wrap=True)
    raise AssertionError("unreachable: stream_answer always ends with the Answer")


def _print_text(answer: Answer) -> None:
    if answer.blocked:
        console.print(f"[bold red]blocked[/] {answer.text}", highlight=False)
    else:
        console.print(answer.text, highlight=False)


def _print_sources(answer: Answer) -> None:
    if answer.citations:
        console.print()
        for citation in answer.citations:
            marker = "[bold]" if citation.cited else "[dim]"
            console.print(f"{marker}[{citation.number}] {citation.title}[/] {citation.uri or ''}", highlight=False)
    for verdict in answer.safety:
        if verdict.outcome != "passed":
            console.print(
                f"[yellow]{verdict.stage} guard {verdict.guard}: {verdict.outcome}[/] {'; '.join(verdict.reasons)}"
            )
    stages = ", ".join(f"{stage} {ms:.0f} ms" for stage, ms in answer.timings_ms.items())
    console.print(f"[dim]{answer.retrieval_mode} · {answer.models['llm']} · {stages}[/]", highlight=False)
    console.print(f"[dim]trace {answer.trace_id} (ragops traces show {answer.trace_id[:12]})[/]")


_DURATION = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _window(text: str) -> timedelta:
    """'30m', '1h', '7d', '2w' as a timedelta."""
    match = _DURATION.match(text.strip().lower())
    if not match or int(match[1]) == 0:
        _fail(ValueError(f"--since {text!r}: give a positive number and a unit, like 30m, 1h, 7d or 2w"))
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


SinceOption = Annotated[str, typer.Option("--since", help="how far back: 30m, 1h, 7d, 2w")]


@traces_app.command("list")
def traces_list(
    since: SinceOption = "1h",
    limit: Annotated[int, typer.Option(min=1, max=1000, help="at most this many, newest first")] = 20,
    profile: ProfileOption = None,
) -> None:
    """Recent traces (from the `traces` table, written by the postgres sink)."""
    from ragops.store.database import open_database
    from ragops.store.traces import recent_traces

    settings = _settings(profile)
    window = _window(since)
    try:
        db = open_database(settings)
        try:
            with db.connection() as conn:
                rows = recent_traces(conn, datetime.now(UTC) - window, limit)
        finally:
            db.close()
    except RagopsError as exc:
        _fail(exc)
    table = Table("trace id", "started (UTC)", "name", "ms", "status", "summary")
    for row in rows:
        summary = row.attributes.get("ragops.question") or row.attributes.get("ragops.collection", "")
        table.add_row(
            row.trace_id,
            f"{row.started_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}",
            row.name,
            f"{row.duration_ms:.0f}",
            row.status,
            str(summary)[:60],
        )
    console.print(table)
    if not rows:
        console.print(f"[dim]no traces in the last {since}; is `postgres` in tracing.sinks?[/]")


@traces_app.command("show")
def traces_show(
    trace_id: Annotated[str, typer.Argument(help="a trace id, or its first 6+ characters")],
    profile: ProfileOption = None,
) -> None:
    """One trace as a tree of spans with timings and key attributes."""
    from ragops.store.database import open_database
    from ragops.store.traces import MIN_PREFIX, find_trace
    from ragops.tracing.render import trace_tree
    from ragops.tracing.sinks.postgres import finished_trace

    settings = _settings(profile)
    if len(trace_id.strip()) < MIN_PREFIX:
        _fail(ValueError(f"give at least {MIN_PREFIX} characters of the trace id (see `ragops traces list`)"))
    try:
        db = open_database(settings)
        try:
            with db.connection() as conn:
                found = find_trace(conn, trace_id.strip().lower())
        finally:
            db.close()
    except RagopsError as exc:
        _fail(exc)
    if not found:
        _fail(LookupError(f"no trace {trace_id!r}; `ragops traces list --since 7d` shows recent ones"))
    if len(found) > 1:
        _fail(LookupError(f"{trace_id!r} matches several traces; give more characters"))
    console.print(trace_tree(finished_trace(found[0])), highlight=False)


@mlflow_app.command("ui")
def mlflow_ui(
    port: Annotated[int, typer.Option(min=1, max=65535, help="port on 127.0.0.1")] = 5000,
    profile: ProfileOption = None,
) -> None:
    """Open the MLflow UI on 127.0.0.1 over the local tracking store (traces, monitoring runs)."""
    settings = _settings(profile)
    uri = settings.mlflow_tracking_uri
    console.print(f"MLflow UI on http://127.0.0.1:{port} over {uri} (Ctrl-C stops it)")
    command = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", uri, "--host", "127.0.0.1"]
    raise typer.Exit(subprocess.call([*command, "--port", str(port)]))


@app.command()
def monitor(
    since: SinceOption = "7d",
    sample: Annotated[int, typer.Option(min=0, max=1000, help="answers the LLM judge grades")] = 20,
    out: Annotated[Path | None, typer.Option(help="report folder (default: <home>/reports)")] = None,
    seed: Annotated[int | None, typer.Option(help="fix which answers are sampled")] = None,
    profile: ProfileOption = None,
) -> None:
    """Score recent answers (LLM judge + heuristics); write a dated report and log an MLflow run."""
    from ragops.monitoring.job import log_to_mlflow, run_monitoring
    from ragops.monitoring.report import write_report
    from ragops.runtime import open_runtime

    settings = _settings(profile)
    window = _window(since)
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    try:
        with open_runtime(settings, with_llm=True) as runtime:
            assert runtime.llm is not None
            result = run_monitoring(runtime.db, runtime.llm, window=window, judge_sample=sample, seed=seed)
    except RagopsError as exc:
        _fail(exc)
    report = write_report(result, out or settings.home / "reports")
    run_id = log_to_mlflow(
        result,
        report,
        tracking_uri=settings.mlflow_tracking_uri,
        experiment=f"{settings.tracing.mlflow_experiment}-monitoring",
        artifact_location=settings.mlflow_artifact_location,
    )
    console.print(report.read_text(encoding="utf-8"), highlight=False, markup=False)
    console.print(f"[bold green]report[/] {report}  ·  MLflow run {run_id}")


@bench_app.command("guardrails")
def bench_guardrails_command(
    testset: Annotated[Path, typer.Option(help="labelled JSON-lines test set")] = Path(
        "benchmarks/guardrails/testset.jsonl"
    ),
    grounding: Annotated[Path, typer.Option(help="answers whose sentences are labelled supported or not")] = Path(
        "benchmarks/guardrails/grounding.jsonl"
    ),
    limit: Annotated[int | None, typer.Option(min=1, help="only the first N cases")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of the table")] = False,
    profile: ProfileOption = None,
) -> None:
    """Precision, recall, false-positive rate and latency of the profile's input guards and output grounding
    guard, and the latency the whole guard layer adds to a request."""
    from ragops.guardrails.bench import bench_grounding, bench_guardrails, bench_layer, load_grounding_set, load_testset
    from ragops.guardrails.registry import build_guardrails, build_policies
    from ragops.guardrails.vectors import SharedQueryEmbedder

    settings = _settings(profile)
    try:
        cases = load_testset(testset)[:limit]
        answers = load_grounding_set(grounding)
        models = _guard_models(settings)
        report = bench_guardrails(build_policies(settings.guardrails.input, models, "input"), cases)
        output = build_policies(settings.guardrails.output, models, "output")
        grounding_policy = next((policy for policy in output if policy.kind == "grounding"), None)
        # The request-level run shares the question's vector between the denied-topics guard and retrieval,
        # as the pipeline does.
        shared = SharedQueryEmbedder(models.embedder) if models.embedder else None
        layer = build_guardrails(settings.guardrails, replace(models, embedder=shared))
        questions = [case.text for case in cases if not case.labels]
        report = replace(
            report,
            grounding=bench_grounding(grounding_policy, answers) if grounding_policy else None,
            layer=bench_layer(layer, questions, answers, shared.embed_query if shared else lambda _: None),
        )
    except RagopsError as exc:
        _fail(exc)
    if as_json:
        for line in report.json_lines():
            typer.echo(line)
        return
    _print_guard_bench(report)
    console.print(f"[dim]{report.cases} cases, {report.benign} benign; {testset}[/]")
    console.print(
        f"[dim]grounding: positives = unsupported answer sentences of {grounding}, FPR = supported ones flagged, "
        "latency per answer; layer: input + chunk + output guards of whole requests, and the same without "
        "encoding the question (retrieval needs that vector anyway)[/]"
    )


def _guard_models(settings: Settings) -> GuardResources:
    """The models the profile's guards use, and only those: loading MiniLM takes seconds, the LLM more."""
    from ragops.guardrails.registry import GuardResources
    from ragops.providers.registry import build_chat_model, build_embedder

    guards = [*settings.guardrails.input, *settings.guardrails.chunks, *settings.guardrails.output]
    embedder = build_embedder(settings.embedder) if any(g.needs_embedder for g in guards) else None
    judged = any(g.kind == "grounding" and g.method == "llm_judge" for g in guards)
    return GuardResources(embedder, build_chat_model(settings.llm) if judged else None)


def _print_guard_bench(report: BenchReport) -> None:
    table = Table("guard", "positives", "precision", "recall", "FPR (benign)", "p50 ms", "p95 ms")
    for score in report.guards:
        table.add_row(*_score_cells(score))
    table.add_row(
        "all input guards", "", "", "", _ratio(report.false_positive_rate),
        f"{report.latency_p50_ms:.2f}", f"{report.latency_p95_ms:.2f}", style="bold",
    )  # fmt: skip
    if report.grounding is not None:
        name, *cells = _score_cells(report.grounding)
        table.add_row(f"{name} (output)", *cells)
    if report.layer is not None:
        layer = report.layer
        table.add_row(
            "layer per request", str(layer.requests), "", "", "", f"{layer.p50_ms:.2f}", f"{layer.p95_ms:.2f}"
        )
        table.add_row(
            "  net of query vector", "", "", "", "",
            f"{layer.net_p50_ms:.2f}", f"{layer.net_p95_ms:.2f}", style="bold",
        )  # fmt: skip
    console.print(table)


def _score_cells(score: GuardScore) -> list[str]:
    return [
        score.guard,
        str(score.positives),
        _ratio(score.precision),
        _ratio(score.recall),
        _ratio(score.false_positive_rate),
        f"{score.latency_p50_ms:.2f}",
        f"{score.latency_p95_ms:.2f}",
    ]


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default: server.host, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default: server.port, 8000)")] = None,
    model: Annotated[
        str | None,
        typer.Option(help="registered version to serve: an alias (production, champion) or a version number"),
    ] = None,
    profile: ProfileOption = None,
) -> None:
    """Serve the HTTP API and the chat page. Beyond 127.0.0.1 it requires API keys.

    Without --model it serves the version registry.serve names (production) once one is registered,
    else the profile's own pipeline."""
    import uvicorn

    from ragops.api.app import auth_required, create_app
    from ragops.registry.serving import served_settings

    try:
        settings, version = served_settings(_settings(profile), model)
    except RagopsError as exc:
        _fail(exc)
    label = version.label if version else None
    errors.print(
        f"serving {label or f'the {settings.profile} profile pipeline'} over collection {settings.collection!r}"
    )
    server = settings.server.model_copy(
        update={"host": host or settings.server.host, "port": port or settings.server.port}
    )
    settings = settings.model_copy(update={"server": server})
    if auth_required(settings):
        _require_active_key(settings)
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    uvicorn.run(
        create_app(settings, pipeline_label=label),
        host=server.host,
        port=server.port,
        log_level="info",
        timeout_graceful_shutdown=int(server.graceful_shutdown_s),  # in-flight requests finish first
    )


def _require_active_key(settings: Settings) -> None:
    from ragops.store.api_keys import active_key_count
    from ragops.store.database import open_database

    try:
        db = open_database(settings)
        try:
            with db.connection() as conn:
                count = active_key_count(conn)
        finally:
            db.close()
    except RagopsError as exc:
        _fail(exc)
    if count == 0:
        _fail(
            ValueError(
                f"refusing to listen on {settings.server.host} without API keys: anyone who can reach it could use "
                "it. Create a key with `ragops keys create --name NAME`, or bind to 127.0.0.1."
            )
        )


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="who or what uses the key, e.g. open-webui")],
    profile: ProfileOption = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from ragops.store.api_keys import create_key

    if not name.strip():
        _fail(ValueError("--name is empty: name the key after who uses it"))
    with _database(profile) as db, db.connection() as conn:
        try:
            key, secret = create_key(conn, name.strip())
        except RagopsError as exc:
            _fail(exc)
    errors.print(f"created API key {key.name!r}; store it now, it cannot be shown again:")
    typer.echo(secret)


@keys_app.command("list")
def keys_list(profile: ProfileOption = None) -> None:
    """API keys: name, prefix, created, last used, revoked."""
    from ragops.store.api_keys import list_keys

    with _database(profile) as db, db.connection() as conn:
        found = list_keys(conn)
    table = Table("name", "prefix", "created", "last used", "status")
    for key in found:
        table.add_row(
            key.name,
            key.prefix + "…",
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "-",
            f"[red]revoked {key.revoked_at:%Y-%m-%d}[/]" if key.revoked_at else "[green]active[/]",
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="the key's name")], profile: ProfileOption = None) -> None:
    """Revoke an API key: requests with it fail from now on."""
    from ragops.store.api_keys import revoke_key

    with _database(profile) as db, db.connection() as conn:
        try:
            revoke_key(conn, name)
        except RagopsError as exc:
            _fail(exc)
    console.print(f"revoked {name!r}")


@contextmanager
def _database(profile: str | None) -> Iterator[Database]:
    from ragops.store.database import open_database

    try:
        db = open_database(_settings(profile))
    except RagopsError as exc:
        _fail(exc)
    try:
        yield db
    finally:
        db.close()


@bench_app.command("serve")
def bench_serve(
    url: Annotated[str | None, typer.Option(help="a running server; default: start one on a free port")] = None,
    concurrency: Annotated[list[int] | None, typer.Option(help="client counts (default: 1, 8, 32)")] = None,
    retrieve_requests: Annotated[int, typer.Option(min=0, help="/v1/retrieve requests per level (0: skip)")] = 200,
    query_requests: Annotated[int, typer.Option(min=0, help="/v1/query requests per level (0: skip)")] = 32,
    api_key: Annotated[str | None, typer.Option(envvar="RAGOPS_API_KEY", help="Bearer key, if required")] = None,
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Requests/s and latency percentiles of /v1/retrieve and /v1/query, from a separate client process."""
    from ragops.bench.serve_load import BenchPlan, run_serve_bench

    plan = BenchPlan(
        concurrency=tuple(concurrency or (1, 8, 32)),
        requests={route: n for route, n in (("/v1/retrieve", retrieve_requests), ("/v1/query", query_requests)) if n},
        collection=collection,
        api_key=api_key,
    )
    try:
        results = run_serve_bench(plan, url=url, profile=profile, on_level=lambda r: errors.print(r.describe()))
    except RagopsError as exc:
        _fail(exc)
    table = Table(
        "route", "clients", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", title="ragops bench serve"
    )
    for r in results:
        table.add_row(
            r.route, str(r.concurrency), str(r.requests), str(r.errors), f"{r.requests_per_s:.2f}",
            f"{r.p50_ms:.0f}", f"{r.p95_ms:.0f}", f"{r.p99_ms:.0f}",
        )  # fmt: skip
    console.print(table)
    if any(r.errors for r in results):
        raise typer.Exit(code=1)


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


@app.command()
def release(
    pipeline: Annotated[Path, typer.Option(help="pipeline config YAML laid over the profile (its pipeline sections)")],
    testset: Annotated[
        Path | None, typer.Option(help="the test set both versions are scored on (default: evaluation.testset)")
    ] = None,
    profile: ProfileOption = None,
) -> None:
    """Register a pipeline version, validate it, evaluate it, and promote it to champion and production
    if it beats the champion by registry.min_improvement. Exit code 3: registered but not promoted."""
    from ragops.registry.release import ReleaseHooks
    from ragops.registry.release import release as run_release

    settings = _settings(profile)
    testset = testset or settings.evaluation.testset
    if testset is None:
        _fail(ValueError("no test set: give --testset FILE or set evaluation.testset in the profile"))
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    with _item_progress() as progress:
        task = progress.add_task("release", total=None)

        def on_step(step: str) -> None:
            progress.update(task, description=step, completed=0, total=None)

        def on_item(_: object) -> None:
            progress.update(task, advance=1)

        try:
            outcome = run_release(settings, pipeline, testset, ReleaseHooks(on_step, on_item))
        except RagopsError as exc:
            _fail(exc)
    checks = Table("check", "passed", "detail", title=f"validation of {outcome.version.label}")
    for check in outcome.checks:
        checks.add_row(check.name, "[green]yes[/]" if check.passed else "[red]no[/]", check.detail)
    console.print(checks)
    if outcome.gates:
        assert outcome.champion is not None
        gates = Table(
            "metric",
            f"champion v{outcome.champion.version}",
            f"v{outcome.version.version}",
            "improvement",
            "95% lower bound",
            "required",
            "",
            title="challenger vs champion, same items",
        )
        for gate in outcome.gates:
            verdict = "[green]pass[/]" if gate.passed else "[red]fail[/]"
            gates.add_row(
                gate.metric,
                _metric(gate.champion),
                _metric(gate.challenger),
                _metric(gate.improvement),
                _metric(gate.lower_bound),
                f">= {gate.min_improvement:+g}",
                verdict + (" [bold]significant[/]" if gate.significant else ""),
            )
        console.print(gates)
    if outcome.eval_run_id:
        console.print(f"evaluation run {outcome.eval_run_id} (ragops mlflow ui)")
    if outcome.promoted:
        console.print(f"[bold green]promoted[/] {outcome.version.label} to champion and production")
        return
    reason = "failed validation" if not outcome.passed_tests else "does not measurably beat the champion"
    console.print(f"[bold yellow]not promoted[/]: {outcome.version.label} {reason}")
    raise typer.Exit(code=3)


def _metric(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def _item_progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=errors
    )


@registry_app.command("list")
def registry_list(profile: ProfileOption = None) -> None:
    """Every registered version, newest first, with its aliases and release outcome."""
    from ragops.registry.models import list_versions

    settings = _settings(profile)
    table = Table(
        "version", "aliases", "passed_tests", "beats_threshold", "llm", "index", title=settings.registry.model_name
    )
    for version in list_versions(settings):
        tags = version.tags
        table.add_row(
            version.version,
            ", ".join(version.aliases),
            tags.get("passed_tests", "-"),
            tags.get("beats_threshold", "-"),
            tags.get("llm", "-"),
            tags.get("index_fingerprint", "-"),
        )
    console.print(table)


def _eval_progress(*fields: str) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        *(TextColumn(f"{name} {{task.fields[{name}]}}") for name in fields),
        TimeElapsedColumn(),
        console=errors,
    )


@eval_app.command("generate")
def eval_generate(
    n: Annotated[int, typer.Option("--n", min=1, max=100_000, help="test items wanted")] = 100,
    seed: Annotated[int, typer.Option(help="picks the chunks: the same seed gives the same test set")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="JSONL file (default: <home>/testsets/<collection>-seed<S>-<hash>.jsonl)")
    ] = None,
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Write a test set from a collection: the LLM asks a question about each sampled chunk, filters drop the bad."""
    from ragops.evaluation.testset_generation import GeneratedTestset, generate_testset, save_generated
    from ragops.runtime import open_runtime

    settings = _settings(profile)
    target = collection or settings.collection
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    try:
        with open_runtime(settings, with_llm=True) as runtime, _eval_progress("tried", "dropped") as progress:
            assert runtime.llm is not None
            task = progress.add_task("generate", total=n, tried=0, dropped=0)

            def advance(generated: GeneratedTestset) -> None:
                dropped = sum(generated.dropped.values())
                progress.update(task, completed=len(generated.items), tried=generated.tried, dropped=dropped)

            generated = generate_testset(
                runtime.db,
                runtime.llm,
                runtime.embedder,
                collection=target,
                n=n,
                seed=seed,
                settings=settings.evaluation.generation,
                on_chunk=advance,
            )
    except RagopsError as exc:
        _fail(exc)
    if not generated.items:
        _fail(ValueError(f"no question survived the filters ({dict(generated.dropped)}); try another --seed"))
    path, manifest = save_generated(
        generated, out, folder=settings.home / "testsets", settings=settings.evaluation.generation
    )
    table = Table("requested", "tried", "kept", *manifest.dropped, title="dropped by reason")
    table.add_row(str(n), str(generated.tried), str(manifest.kept), *(str(v) for v in manifest.dropped.values()))
    console.print(table)
    console.print(f"[bold green]test set[/] {path} ({manifest.content_sha256[:12]}), manifest beside it")


@eval_app.command("run")
def eval_run(
    pipeline_config: Annotated[
        Path | None, typer.Option("--pipeline", help="pipeline YAML laid over the profile (default: the profile)")
    ] = None,
    testset: Annotated[
        Path | None,
        typer.Option(help="JSONL test set, BEIR folder or BEIR qrels/<split>.tsv (default: evaluation.testset)"),
    ] = None,
    split: Annotated[SplitOption, typer.Option(help="items by a hash of (seed, id): see evaluation.test_fraction")] = (
        SplitOption.ALL
    ),
    seed: Annotated[int, typer.Option(help="seed of the split")] = 0,
    no_judge: Annotated[bool, typer.Option("--no-judge", help="cheap metrics only, no LLM judge")] = False,
    run_name: Annotated[str | None, typer.Option(help="MLflow run name (default: <pipeline>-<testset>)")] = None,
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Evaluate a pipeline config on a test set and log it to MLflow: config as params, metrics, per-item table."""
    from ragops.evaluation.runner import ItemResult, evaluate_runtime
    from ragops.evaluation.testset import read_items, select_split
    from ragops.evaluation.tracking import log_evaluation
    from ragops.runtime import open_runtime

    settings = _settings(profile)
    try:
        if pipeline_config is not None:
            settings = with_pipeline_config(settings, pipeline_config)
        testset = testset or settings.evaluation.testset
        if testset is None:
            raise ValueError("no test set: give --testset FILE or set evaluation.testset in the profile")
        items = select_split(
            read_items(testset), split.value, seed=seed, test_fraction=settings.evaluation.test_fraction
        )
    except (RagopsError, ValueError) as exc:
        _fail(exc)
    if not items:
        _fail(ValueError(f"split {split.value!r} of {testset} is empty: try another --seed or --split all"))
    if no_judge:
        settings = settings.model_copy(update={"evaluation": settings.evaluation.model_copy(update={"judge": False})})
    target = collection or settings.collection
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    try:
        with open_runtime(settings, with_llm=True) as runtime, _eval_progress("failed") as progress:
            task = progress.add_task("evaluate", total=len(items), failed=0)
            failed = 0

            def advance(result: ItemResult) -> None:
                nonlocal failed
                failed += bool(result.errors)
                progress.update(task, advance=1, failed=failed)

            result = evaluate_runtime(runtime, settings, items, collection=target, on_item=advance)
        name = run_name or f"{pipeline_config.stem if pipeline_config else settings.profile}-{testset.stem}"
        tags = {"ragops.collection": target, "ragops.split": split.value, "ragops.split_seed": str(seed)}
        run_id = log_evaluation(settings, result, testset=testset, run_name=name, tags=tags)
    except RagopsError as exc:
        _fail(exc)
    _print_eval(result, title=name)
    console.print(f"MLflow run [bold]{run_id}[/] in experiment {settings.evaluation.experiment!r}")


def _print_eval(result: EvalResult, *, title: str) -> None:
    table = Table("metric", "value", "items", title=title)
    for metric, value in result.metrics.items():
        covered = result.coverage.get(metric)
        table.add_row(metric, f"{value:.4g}", "" if covered is None else str(covered))
    console.print(table)
    for item in result.items:
        for stage, why in item.errors.items():
            errors.print(f"[yellow]{item.item.id}[/] {stage}: {why[:160]}", highlight=False)


@eval_app.command("compare")
def eval_compare(
    run_a: Annotated[str, typer.Argument(help="MLflow run id of the baseline (A)")],
    run_b: Annotated[str, typer.Argument(help="MLflow run id of the challenger (B)")],
    out: Annotated[Path | None, typer.Option(help="HTML report (default: <home>/reports/compare-<A>-<B>.html)")] = None,
    profile: ProfileOption = None,
) -> None:
    """Two evaluation runs side by side, with deltas (B - A), and an HTML report with plots."""
    from ragops.evaluation.compare import TESTSET_WARNING, changed_params, compare_metrics, load_eval_run, same_testset
    from ragops.evaluation.compare_report import write_compare_report

    settings = _settings(profile)
    try:
        a, b = load_eval_run(settings, run_a), load_eval_run(settings, run_b)
    except RagopsError as exc:
        _fail(exc)
    table = Table("metric", f"A {a.name}", f"B {b.name}", "B - A", title="eval compare")
    for delta in compare_metrics(a, b):
        style = {True: "green", False: "red", None: ""}[delta.b_is_better]
        table.add_row(
            delta.name,
            "-" if delta.a is None else f"{delta.a:.4g}",
            "-" if delta.b is None else f"{delta.b:.4g}",
            "" if delta.delta is None else f"[{style}]{delta.delta:+.4g}[/]" if style else f"{delta.delta:+.4g}",
        )
    console.print(table)
    console.print(f"{len(changed_params(a, b))} params differ")
    if not same_testset(a, b):
        errors.print(f"[yellow]warning:[/] {TESTSET_WARNING}")
    report = write_compare_report(a, b, out or settings.home / "reports" / f"compare-{run_a[:8]}-{run_b[:8]}.html")
    console.print(f"[bold green]report[/] {report}")
