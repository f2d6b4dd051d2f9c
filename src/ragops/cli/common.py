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


def require_active_key(settings: Settings) -> None:
    """End the command unless an API key exists: a server that requires keys would refuse everyone."""
    from ragops.store.api_keys import active_key_count

    try:
        with database(settings) as db, db.connection() as conn:
            count = active_key_count(conn)
    except RagopsError as exc:
        fail(exc)
    if count == 0:
        fail(
            ValueError(
                f"refusing to listen on {settings.server.host} without API keys: anyone who can reach it could use "
                "it. Create a key with `ragops keys create --name NAME`, or bind to 127.0.0.1."
            )
        )


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
