"""`python -m ragops`: the `ragops` command, for clients that start it by interpreter path (MCP configs)."""

from ragops.cli import app

app()
