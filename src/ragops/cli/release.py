"""`ragops release` and `ragops registry`: pipeline versions through the model registry."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ragops.cli.common import ProfileOption, app, console, fail, item_progress, settings_for
from ragops.errors import RagopsError

registry_app = typer.Typer(help="Registered pipeline versions (the MLflow model registry).", no_args_is_help=True)
app.add_typer(registry_app, name="registry")


@app.command()
def release(
    pipeline: Annotated[Path, typer.Option(help="pipeline config YAML laid over the profile (its pipeline sections)")],
    testset: Annotated[
        Path | None, typer.Option(help="the test set both versions are scored on (default: evaluation.testset)")
    ] = None,
    profile: ProfileOption = None,
) -> None:
    """Register, validate and evaluate a pipeline version; promote it if it beats the champion.

    The champion is scored again on the same items; the version becomes champion and production only if it
    passes validation and meets registry.min_improvement with one significant gain. Exit code 3: registered,
    not promoted."""
    from ragops.registry.release import ReleaseHooks
    from ragops.registry.release import release as run_release

    settings = settings_for(profile)
    testset = testset or settings.evaluation.testset
    if testset is None:
        fail(ValueError("no test set: give --testset FILE or set evaluation.testset in the profile"))
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    with item_progress() as progress:
        task = progress.add_task("release", total=None)

        def on_step(step: str) -> None:
            progress.update(task, description=step, completed=0, total=None)

        def on_item(_: object) -> None:
            progress.update(task, advance=1)

        try:
            outcome = run_release(settings, pipeline, testset, ReleaseHooks(on_step, on_item))
        except RagopsError as exc:
            fail(exc)
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


@registry_app.command("list")
def registry_list(profile: ProfileOption = None) -> None:
    """Every registered version, newest first, with its aliases and release outcome."""
    from ragops.registry.models import list_versions

    settings = settings_for(profile)
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
