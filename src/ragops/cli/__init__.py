"""The `ragops` command line: one module per command group, all registered on one typer app."""

from ragops.cli import admin, ask, bench, collect, evaluate, ingest, mcp_server, observe, release, serving  # noqa: F401  (registers commands)
from ragops.cli.common import app

__all__ = ["app"]
