"""What every command shares: the root app, consoles, common options, settings and failing clearly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ragops.config import Settings, load_settings
from ragops.errors import RagopsError

if TYPE_CHECKING:
    from ragops.store.database import Database


app = typer.Typer(help="Self-hostable RAG: ingest, ask, serve.", no_args_is_help=True, add_completion=False)
console = Console()
errors = Console(stderr=True)


ProfileOption = Annotated[str | None, typer.Option("--profile", help="confs/<profile>.yaml (default: dev)")]
CollectionOption = Annotated[str | None, typer.Option("--collection", "-c", help="knowledge base name")]


def settings_for(profile: str | None) -> Settings:
    try:
        return load_settings(profile)
    except RagopsError as exc:
        fail(exc)


def fail(exc: Exception) -> NoReturn:
    errors.print(f"[bold red]error:[/] {exc}", highlight=False)
    raise typer.Exit(code=1)


@contextmanager
def database(settings: Settings) -> Iterator[Database]:
    """The settings' database, closed on exit; failing to open it ends the command with the reason."""
    from ragops.store.database import open_database

    try:
        db = open_database(settings.database, settings.pgdata)
    except RagopsError as exc:
        fail(exc)
    try:
        yield db
    finally:
        db.close()


def item_progress(*fields: str) -> Progress:
    """A bar over items (questions, chunks) with counters named by `fields`, on stderr."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        *(TextColumn(f"{name} {{task.fields[{name}]}}") for name in fields),
        TimeElapsedColumn(),
        console=errors,
    )
