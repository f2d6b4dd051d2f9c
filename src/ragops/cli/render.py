"""How an answer looks in a terminal: streamed text, each sentence's source, the numbered passages, the stages."""

from __future__ import annotations

from collections.abc import Iterator

from rich.markup import escape

from ragops.cli.common import console
from ragops.providers.base import TextDelta
from ragops.types import Answer


def print_stream(events: Iterator[TextDelta | Answer]) -> Answer:
    for event in events:
        if isinstance(event, Answer):
            console.print()
            return event
        console.print(event.text, end="", highlight=False, soft_wrap=True)
    raise AssertionError("unreachable: stream_answer always ends with the Answer")


def print_text(answer: Answer) -> None:
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


def print_sources(answer: Answer) -> None:
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
