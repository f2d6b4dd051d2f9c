"""The `ragops` command line: one module per command group, all registered on one typer app."""

from ragops.cli import (  # noqa: F401  (registers commands)
    admin,
    ask,
    bench,
    chat,
    collect,
    evaluate,
    ingest,
    mcp_server,
    observe,
    release,
    serving,
)
from ragops.cli.common import app

__all__ = ["app"]
