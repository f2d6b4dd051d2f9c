"""A trace as a rich Tree: one line per span with its duration and key attributes."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from rich.tree import Tree

from ragops.tracing.spans import FinishedTrace, Span

MAX_VALUE_CHARS = 80
MAX_LIST_ITEMS = 8


def trace_tree(trace: FinishedTrace) -> Tree:
    tree = Tree(_label(trace.root, header=f"trace {trace.trace_id}  "))
    _add_children(tree, trace, trace.root)
    return tree


def _add_children(node: Tree, trace: FinishedTrace, parent: Span) -> None:
    for child in trace.children(parent):
        _add_children(node.add(_label(child)), trace, child)


def _label(span: Span, header: str = "") -> Text:
    text = Text(header, style="dim")
    text.append(span.name, style="bold red" if span.status == "error" else "bold")
    text.append(f"  {span.duration_ms:.1f} ms", style="cyan")
    if span.error:
        text.append(f"  {span.error}", style="red")
    shown = span.attributes
    # Sorted: the store (jsonb) does not keep insertion order. A payload's size is noise beside the payload.
    for key in sorted(k for k in shown if not (k.endswith(".chars") and k.removesuffix(".chars") in shown)):
        value = shown[key]
        text.append(f"\n{key}=", style="dim")
        text.append(_short(value))
    return text


def _short(value: Any) -> str:
    if isinstance(value, list):
        shown = ", ".join(_short(v) for v in value[:MAX_LIST_ITEMS])
        return f"[{shown}{', …' if len(value) > MAX_LIST_ITEMS else ''}]"
    if isinstance(value, float):
        return f"{value:.4g}"
    flat = str(value).replace("\n", " ⏎ ")
    return flat if len(flat) <= MAX_VALUE_CHARS else flat[:MAX_VALUE_CHARS] + "…"
