"""Administration: configuration, the database, model providers, API keys."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ragops.cli.common import ProfileOption, app, console, database, errors, fail, settings_for
from ragops.config import Settings, masked_config
from ragops.errors import RagopsError

if TYPE_CHECKING:
    from ragops.providers.model_checks import ProviderReport


config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")
db_app = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
models_app = typer.Typer(help="The configured model providers.", no_args_is_help=True)
app.add_typer(models_app, name="models")
keys_app = typer.Typer(help="API keys for the HTTP API.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@config_app.command("show")
def config_show(
    profile: ProfileOption = None,
    schema: Annotated[bool, typer.Option("--schema", help="print the JSON schema instead")] = False,
) -> None:
    """Print the effective configuration (secrets masked)."""
    if schema:
        console.print_json(json.dumps(Settings.model_json_schema()))
        return
    console.print_json(json.dumps(masked_config(settings_for(profile))))


@db_app.command("status")
def db_status(profile: ProfileOption = None) -> None:
    """Server location, schema version, and per-collection counts."""
    from ragops.store.status import database_status

    try:
        with database(settings_for(profile)) as db:
            status = database_status(db)
    except RagopsError as exc:
        fail(exc)
    console.print(f"[bold]server[/]   {status.location} (PostgreSQL {status.server_version})")
    console.print(f"[bold]schema[/]   version {status.schema_version}")
    table = Table("collection", "documents", "chunks", "embedder", "dim", "last ingest")
    for row in status.collections:
        table.add_row(
            row.name,
            str(row.documents),
            str(row.chunks),
            row.embedder_id or "-",
            str(row.dimension or "-"),
            row.last_run or "-",
        )
    console.print(table)


@models_app.command("list")
def models_list(profile: ProfileOption = None) -> None:
    """The configured embedder and chat providers (in fallback order), and whether each is reachable."""
    from ragops.providers.model_checks import list_providers

    _print_reports(list_providers(settings_for(profile)), with_timings=False)


@models_app.command("test")
def models_test(profile: ProfileOption = None) -> None:
    """One tiny streamed chat through each chat provider and one embedding through the embedder."""
    from ragops.providers.model_checks import test_providers

    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    _print_reports(test_providers(settings_for(profile)), with_timings=True)


def _print_reports(reports: list[ProviderReport], *, with_timings: bool) -> None:
    table = Table("role", "#", "kind", "model", "status", "detail")
    if with_timings:
        table.add_column("first token")
        table.add_column("total")
    for report in reports:
        row = [
            report.role,
            str(report.position),
            report.kind,
            report.model,
            "[green]ok[/]" if report.ok else "[red]failed[/]",
            report.detail,
        ]
        if with_timings:
            row += [_ms(report.first_token_ms), _ms(report.latency_ms)]
        table.add_row(*row)
    console.print(table)
    if not all(report.ok for report in reports):
        raise typer.Exit(code=1)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


@db_app.command("stop")
def db_stop(
    force: Annotated[
        bool, typer.Option("--force", help="stop it even while `ragops serve` holds it (which then restarts it)")
    ] = False,
    profile: ProfileOption = None,
) -> None:
    """Stop the embedded PostgreSQL server (it starts again on the next command); refused while another ragops
    process holds it."""
    from ragops.store.server import stop_embedded_server

    settings = settings_for(profile)
    if settings.database.url is not None:
        fail(ValueError("database.url is set: ragops does not manage that server"))
    try:
        stopped = stop_embedded_server(settings.pgdata, force=force)
    except RagopsError as exc:
        fail(exc)
    console.print("stopped" if stopped else f"no embedded server was running in {settings.pgdata}")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="who or what uses the key, e.g. open-webui")],
    profile: ProfileOption = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from ragops.store.api_keys import create_key

    if not name.strip():
        fail(ValueError("--name is empty: name the key after who uses it"))
    with database(settings_for(profile)) as db, db.connection() as conn:
        try:
            key, secret = create_key(conn, name.strip())
        except RagopsError as exc:
            fail(exc)
    errors.print(f"created API key {key.name!r}; store it now, it cannot be shown again:")
    typer.echo(secret)


@keys_app.command("list")
def keys_list(profile: ProfileOption = None) -> None:
    """API keys: name, prefix, created, last used, revoked."""
    from ragops.store.api_keys import list_keys

    with database(settings_for(profile)) as db, db.connection() as conn:
        found = list_keys(conn)
    table = Table("name", "prefix", "created", "last used", "status")
    for key in found:
        table.add_row(
            key.name,
            key.prefix + "…",
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "-",
            f"[red]revoked {key.revoked_at:%Y-%m-%d}[/]" if key.revoked_at else "[green]active[/]",
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="the key's name")], profile: ProfileOption = None) -> None:
    """Revoke an API key: requests with it fail from now on."""
    from ragops.store.api_keys import revoke_key

    with database(settings_for(profile)) as db, db.connection() as conn:
        try:
            revoke_key(conn, name)
        except RagopsError as exc:
            fail(exc)
    console.print(f"revoked {name!r}")
