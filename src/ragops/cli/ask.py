"""`ragops ask`: one question answered in the terminal (text, stream or JSON)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from typing import Annotated

import typer
from rich.markup import escape

from ragops.cli.common import CollectionOption, ProfileOption, app, console, fail, settings_for
from ragops.errors import RagopsError
from ragops.providers.base import TextDelta
from ragops.types import Answer, RetrievalMode, SearchFilters


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="the question")],
    as_json: Annotated[bool, typer.Option("--json", help="print the answer as JSON")] = False,
    stream: Annotated[bool, typer.Option("--stream", help="print the answer as the model writes it")] = False,
    mode: Annotated[RetrievalMode | None, typer.Option(help="retrieval mode (default: config)")] = None,
    top_k: Annotated[int | None, typer.Option("--top-k", min=1, max=50, help="passages for the model")] = None,
    category: Annotated[list[str] | None, typer.Option(help="only papers in this arXiv category")] = None,
    since: Annotated[str | None, typer.Option(help="published on or after YYYY-MM-DD")] = None,
    until: Annotated[str | None, typer.Option(help="published on or before YYYY-MM-DD")] = None,
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Answer a question from the knowledge base, with citations."""
    from ragops.rag.query import resolve_query
    from ragops.rag.response import answer_response
    from ragops.runtime import open_runtime

    settings = settings_for(profile)
    if not question.strip():
        fail(ValueError("the question is empty: ask something"))
    if stream and as_json:
        fail(ValueError("--stream and --json do not combine: pick one"))
    try:
        filters = SearchFilters(
            categories=tuple(category) if category else None,
            published_from=date.fromisoformat(since) if since else None,
            published_to=date.fromisoformat(until) if until else None,
        )
    except ValueError as exc:
        fail(ValueError(f"dates must be YYYY-MM-DD: {exc}"))
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    stated = filters if filters != SearchFilters() else None  # none given: self-query may find some
    query = resolve_query(settings, question, collection=collection, mode=mode, top_k=top_k, filters=stated)
    try:
        with open_runtime(settings, with_llm=True) as runtime:
            pipeline = runtime.pipeline()
            answer = _print_stream(pipeline.stream_answer(query)) if stream else pipeline.answer(query)
    except RagopsError as exc:
        fail(exc)
    if as_json:
        typer.echo(answer_response(answer).model_dump_json(indent=2))
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


def _print_attributions(answer: Answer) -> None:
    """Each sentence with the passage words behind it, so a reader can check it without opening the source;
    a sentence quoted verbatim is not printed twice."""
    if not answer.attributions:
        return
    console.print()
    for number, attribution in enumerate(answer.attributions, 1):
        sentence = escape(attribution.sentence)
        if attribution.citation is None:
            note = "[yellow]no passage supports this[/]" if not attribution.supported else "[dim]no claim to check[/]"
            console.print(f"  {number}. {sentence}\n     {note}", highlight=False)
            continue
        marker = f"[{attribution.citation}]"
        cited = answer.citations[attribution.citation - 1]
        span = cited.text[attribution.passage_start : attribution.passage_end]
        if span.split() == attribution.sentence.split():
            line = f"  {number}. [dim]{marker} quoted verbatim from \u201c{escape(cited.title)}\u201d[/]"
        else:
            line = f"  {number}. {sentence}\n     [dim]{marker} \u201c{escape(span)}\u201d[/]"
        console.print(line, highlight=False)


def _print_sources(answer: Answer) -> None:
    _print_attributions(answer)
    if answer.citations:
        console.print()
        for citation in answer.citations:
            marker = "[bold]" if citation.cited else "[dim]"
            console.print(
                f"{marker}\\[{citation.number}] {escape(citation.title)}[/] {citation.uri or ''}", highlight=False
            )
    for verdict in answer.safety:
        if verdict.outcome != "passed":
            console.print(
                f"[yellow]{verdict.stage} guard {verdict.guard}: {verdict.outcome}[/] {'; '.join(verdict.reasons)}"
            )
    stages = ", ".join(f"{stage} {ms:.0f} ms" for stage, ms in answer.timings_ms.items())
    console.print(f"[dim]{answer.query.mode} · {answer.models['llm']} · {stages}[/]", highlight=False)
    console.print(f"[dim]trace {answer.trace_id} (ragops traces show {answer.trace_id[:12]})[/]")
