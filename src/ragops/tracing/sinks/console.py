"""Each finished trace printed as a tree on stderr, for development."""

from __future__ import annotations

from rich.console import Console

from ragops.tracing.render import trace_tree
from ragops.tracing.spans import FinishedTrace


class ConsoleTraceSink:
    name = "console"

    def __init__(self) -> None:
        self._console = Console(stderr=True)

    def export(self, trace: FinishedTrace) -> None:
        self._console.print(trace_tree(trace))

    def close(self) -> None:
        """Nothing held."""
