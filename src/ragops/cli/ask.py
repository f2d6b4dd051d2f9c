"""`ragops ask`: one question answered in the terminal (text, stream or JSON)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated

import typer

from ragops.cli.common import CollectionOption, ProfileOption, app, fail, settings_for
from ragops.cli.render import print_sources, print_stream, print_text
from ragops.errors import RagopsError
from ragops.types import RetrievalMode, SearchFilters


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
            answer = print_stream(pipeline.stream_answer(query)) if stream else pipeline.answer(query)
    except RagopsError as exc:
        fail(exc)
    if as_json:
        typer.echo(answer_response(answer).model_dump_json(indent=2))
    elif not stream:
        print_text(answer)
    if not as_json:
        print_sources(answer)
