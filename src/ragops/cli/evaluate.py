"""`ragops eval`: generate test sets, evaluate pipeline configs, compare runs."""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ragops.cli.common import CollectionOption, ProfileOption, app, console, errors, fail, item_progress, settings_for
from ragops.config import with_pipeline_config
from ragops.errors import RagopsError

if TYPE_CHECKING:
    from ragops.evaluation.runner import EvalResult


eval_app = typer.Typer(help="Test sets, pipeline evaluation and comparison (logged to MLflow).", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


class SplitOption(StrEnum):
    ALL = "all"
    TRAIN = "train"
    TEST = "test"


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

    settings = settings_for(profile)
    target = collection or settings.collection
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    try:
        with open_runtime(settings, with_llm=True) as runtime, item_progress("tried", "dropped") as progress:
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
        fail(exc)
    if not generated.items:
        fail(ValueError(f"no question survived the filters ({dict(generated.dropped)}); try another --seed"))
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

    settings = settings_for(profile)
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
        fail(exc)
    if not items:
        fail(ValueError(f"split {split.value!r} of {testset} is empty: try another --seed or --split all"))
    if no_judge:
        settings = settings.model_copy(update={"evaluation": settings.evaluation.model_copy(update={"judge": False})})
    target = collection or settings.collection
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    try:
        with open_runtime(settings, with_llm=True) as runtime, item_progress("failed") as progress:
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
        fail(exc)
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

    settings = settings_for(profile)
    try:
        a, b = load_eval_run(settings, run_a), load_eval_run(settings, run_b)
    except RagopsError as exc:
        fail(exc)
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
