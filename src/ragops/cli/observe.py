"""Observability: traces, the MLflow UI, the monitoring job."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ragops.cli.common import ProfileOption, app, console, database, fail, settings_for
from ragops.errors import RagopsError

traces_app = typer.Typer(help="Traces of answers and ingestion runs.", no_args_is_help=True)
app.add_typer(traces_app, name="traces")
mlflow_app = typer.Typer(help="The MLflow store: traces, monitoring and eval runs, registry.", no_args_is_help=True)
app.add_typer(mlflow_app, name="mlflow")

_DURATION = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _window(text: str) -> timedelta:
    """'30m', '1h', '7d', '2w' as a timedelta."""
    match = _DURATION.match(text.strip().lower())
    if not match or int(match[1]) == 0:
        fail(ValueError(f"--since {text!r}: give a positive number and a unit, like 30m, 1h, 7d or 2w"))
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


SinceOption = Annotated[str, typer.Option("--since", help="how far back: 30m, 1h, 7d, 2w")]


@traces_app.command("list")
def traces_list(
    since: SinceOption = "1h",
    limit: Annotated[int, typer.Option(min=1, max=1000, help="at most this many, newest first")] = 20,
    profile: ProfileOption = None,
) -> None:
    """Recent traces (from the `traces` table, written by the postgres sink)."""
    from ragops.store.traces import recent_traces

    settings = settings_for(profile)
    window = _window(since)
    try:
        with database(settings) as db, db.connection() as conn:
            rows = recent_traces(conn, datetime.now(UTC) - window, limit)
    except RagopsError as exc:
        fail(exc)
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
    from ragops.store.traces import MIN_PREFIX, find_trace
    from ragops.tracing.render import trace_tree
    from ragops.tracing.sinks.postgres import finished_trace

    settings = settings_for(profile)
    if len(trace_id.strip()) < MIN_PREFIX:
        fail(ValueError(f"give at least {MIN_PREFIX} characters of the trace id (see `ragops traces list`)"))
    try:
        with database(settings) as db, db.connection() as conn:
            found = find_trace(conn, trace_id.strip().lower())
    except RagopsError as exc:
        fail(exc)
    if not found:
        fail(LookupError(f"no trace {trace_id!r}; `ragops traces list --since 7d` shows recent ones"))
    if len(found) > 1:
        fail(LookupError(f"{trace_id!r} matches several traces; give more characters"))
    console.print(trace_tree(finished_trace(found[0])), highlight=False)


@mlflow_app.command("ui")
def mlflow_ui(
    port: Annotated[int, typer.Option(min=1, max=65535, help="port on 127.0.0.1")] = 5000,
    profile: ProfileOption = None,
) -> None:
    """Open the MLflow UI on 127.0.0.1 over the local store: traces, monitoring and eval runs, the model registry."""
    settings = settings_for(profile)
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

    settings = settings_for(profile)
    window = _window(since)
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    try:
        with open_runtime(settings, with_llm=True) as runtime:
            assert runtime.llm is not None
            result = run_monitoring(runtime.db, runtime.llm, window=window, judge_sample=sample, seed=seed)
    except RagopsError as exc:
        fail(exc)
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
