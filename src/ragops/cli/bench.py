"""Benchmarks: guardrails, serving load, retrieval on BEIR, answers per answer mode."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, get_args

import typer
from rich.table import Table

from ragops.cli.common import (
    CollectionOption,
    ProfileOption,
    app,
    console,
    errors,
    fail,
    item_progress,
    settings_for,
)
from ragops.config import AnswerMode, Settings
from ragops.errors import RagopsError
from ragops.types import CondenseStrategy

if TYPE_CHECKING:
    from ragops.guardrails.bench import BenchReport, GuardScore
    from ragops.guardrails.registry import GuardResources


bench_app = typer.Typer(help="Benchmarks.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


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
    from ragops.providers.embedding_cache import SharedQueryEmbedder

    settings = settings_for(profile)
    try:
        cases = load_testset(testset)[:limit]
        answers = load_grounding_set(grounding)
        models = _guard_models(settings)

        # Request-level runs share the question's vector between the guards that use it (injection vote,
        # denied topics) and retrieval, as the pipeline does; each guard alone pays for its own encoding.
        def sharing() -> GuardResources:  # a cache of its own per run: one run's vectors must not warm the next
            return replace(models, embedder=SharedQueryEmbedder(models.embedder)) if models.embedder else models

        report = bench_guardrails(
            build_policies(settings.guardrails.input, models, "input"),
            cases,
            stage=build_policies(settings.guardrails.input, sharing(), "input"),
        )
        output = build_policies(settings.guardrails.output, models, "output")
        grounding_policy = next((policy for policy in output if policy.kind == "grounding"), None)
        layer_models = sharing()
        shared = layer_models.embedder
        layer = build_guardrails(settings.guardrails, layer_models)
        questions = [case.text for case in cases if not case.labels]
        report = replace(
            report,
            grounding=bench_grounding(grounding_policy, answers) if grounding_policy else None,
            layer=bench_layer(layer, questions, answers, shared.embed_query if shared else lambda _: None),
        )
    except RagopsError as exc:
        fail(exc)
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
        fail(exc)
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

    settings = settings_for(profile)
    modes = mode or list(DEFAULT_MODES)
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        fail(ValueError(f"unknown mode {', '.join(unknown)}; known: {', '.join(MODES)}"))
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
        fail(exc)
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


@bench_app.command("answers")
def bench_answers(
    testset: Annotated[Path, typer.Option(help="JSON-lines test set with reference answers")] = Path(
        "benchmarks/eval/arxiv-demo-dev.jsonl"
    ),
    mode: Annotated[
        list[str] | None, typer.Option(help="generative, extractive or hybrid; repeatable (default: all three)")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="only the first N questions")] = None,
    out: Annotated[Path | None, typer.Option(help="raw rows, one JSON line per answer")] = None,
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Citation validity, supported sentences, repetition, leakage, refusals and token F1 per answer mode and
    for the no-LLM baseline over the same passages: a table on stderr, one JSON line on stdout."""
    from ragops.evaluation.answer_bench import AnswerRow, run_answer_bench, summarise
    from ragops.evaluation.testset import load_testset
    from ragops.runtime import open_runtime

    settings = settings_for(profile)
    known: tuple[AnswerMode, ...] = get_args(AnswerMode)
    unknown = [m for m in mode or () if m not in known]
    if unknown:
        fail(ValueError(f"unknown answer mode {', '.join(unknown)}; known: {', '.join(known)}"))
    modes = [m for m in known if m in mode] if mode else list(known)
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    try:
        items = load_testset(testset)[:limit]
        with open_runtime(settings, with_llm=True) as runtime, item_progress() as progress:
            task = progress.add_task("answers", total=len(items) * len(modes))

            def advance(row: AnswerRow) -> None:
                progress.update(task, advance=1, description=f"answers ({row.mode})")

            rows = run_answer_bench(runtime, settings, items, modes, collection=collection, on_answer=advance)
    except RagopsError as exc:
        fail(exc)
    summaries = summarise(rows)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as sink:
            for row in rows:
                sink.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
    table = Table(
        "mode",
        "cited",
        "supported",
        "repeats",
        "leakage",
        "refused",
        "token F1",
        "p50 ms",
        "attr p95 ms",
        title=f"answers on {testset.name} ({len(items)} questions)",
    )
    for s in summaries:
        table.add_row(
            s.mode,
            f"{s.valid_citation_rate:.0%}",
            f"{s.supported_sentences:.0%}",
            f"{s.repetition_rate:.0%}",
            f"{s.leakage_rate:.0%}",
            f"{s.refusal_rate:.0%}",
            f"{s.token_f1:.3f}",
            f"{s.latency_p50_ms:.0f}",
            f"{s.attribution_p95_ms:.1f}",
        )
    errors.print(table)
    summary = {"testset": str(testset), "questions": len(items), "modes": [s.to_json() for s in summaries]}
    typer.echo(json.dumps(summary))


@bench_app.command("conversation")
def bench_conversation(
    dialogues: Annotated[Path, typer.Option(help="JSON-lines dialogues with gold documents and standalones")] = Path(
        "benchmarks/conversation/arxiv-demo-dialogues.jsonl"
    ),
    strategy: Annotated[
        list[str] | None, typer.Option(help="condense strategy, repeatable (default: rules, llm, llm+rules)")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="only the first N dialogues")] = None,
    out: Annotated[Path | None, typer.Option(help="raw rows, one JSON line per follow-up and strategy")] = None,
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Follow-up retrieval hit@4 and nDCG@10 per condense strategy, against the follow-up alone (none) and its
    hand-written standalone rewrite (the ceiling), and what condensing costs: a table on stderr, JSON on stdout."""
    from ragops.evaluation.conversation_bench import CEILING, load_dialogues, run_conversation_bench, summarise
    from ragops.prompts import PromptLibrary
    from ragops.rag.condense import Condenser
    from ragops.runtime import open_runtime

    settings = settings_for(profile)
    known: tuple[CondenseStrategy, ...] = get_args(CondenseStrategy)
    chosen = strategy or ["rules", "llm", "llm+rules"]
    unknown = [s for s in chosen if s not in known or s == "none"]
    if unknown:
        fail(ValueError(f"unknown strategy {', '.join(unknown)}; pick from rules, llm, llm+rules (none always runs)"))
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    logging.getLogger("ragops.rag.condense").setLevel(logging.ERROR)  # a degraded rewrite is a row, not a warning
    try:
        loaded = load_dialogues(dialogues)[:limit]
        with open_runtime(settings, with_llm=any(s.startswith("llm") for s in chosen)) as runtime:
            searcher = runtime.searcher(settings)
            target = collection or settings.collection
            searcher.collection(target)  # an unknown or empty collection fails before any dialogue runs
            prompts = PromptLibrary(settings.prompts.dir)
            condensers: dict[str, Condenser] = {
                name: Condenser(settings.conversation.model_copy(update={"condense": name}), runtime.llm, prompts)
                for name in (s for s in known if s in chosen)
            }
            arms = len(condensers) + 2
            with item_progress() as progress:
                task = progress.add_task("follow-ups", total=sum(len(d.turns) - 1 for d in loaded) * arms)
                rows = run_conversation_bench(
                    searcher,
                    condensers,
                    loaded,
                    collection=target,
                    on_turn=lambda row: progress.update(task, advance=1, description=row.strategy),
                )
    except RagopsError as exc:
        fail(exc)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as sink:
            for row in rows:
                sink.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
    summaries = summarise(rows)
    ceiling = next(s for s in summaries if s.strategy == CEILING)
    patterns = list(ceiling.hit_at_4_by_pattern)
    table = Table(
        "strategy", "hit@4", "vs ceiling", "nDCG@10", *patterns, "p50 ms", "p95 ms",
        title=f"follow-ups of {dialogues.name} ({ceiling.follow_ups} in {len(loaded)} dialogues): hit@4 overall and "
        "per pattern, nDCG@10, condense latency",
    )  # fmt: skip
    for s in summaries:
        table.add_row(
            s.strategy,
            f"{s.hit_at_4:.3f}",
            f"{(s.hit_at_4 - ceiling.hit_at_4) * 100:+.1f}",
            f"{s.ndcg_at_10:.3f}",
            *(f"{s.hit_at_4_by_pattern.get(p, 0.0):.3f}" for p in patterns),
            f"{s.condense_p50_ms:.2f}",
            f"{s.condense_p95_ms:.2f}",
        )
    errors.print(table)
    summary = {"dialogues": str(dialogues), "collection": target, "strategies": [s.to_json() for s in summaries]}
    typer.echo(json.dumps(summary))
