"""`ragops serve`: the HTTP API and web page, for the profile's pipeline or a registered version."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from ragops.cli.common import ProfileOption, app, database, errors, fail, settings_for
from ragops.config import Settings
from ragops.errors import RagopsError


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default: server.host, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default: server.port, 8000)")] = None,
    model: Annotated[
        str | None,
        typer.Option(help="registered version to serve: an alias (production, champion) or a version number"),
    ] = None,
    profile: ProfileOption = None,
) -> None:
    """Serve the HTTP API and the chat page. Beyond 127.0.0.1 it requires API keys.

    Without --model it serves the version registry.serve names (production) once one is registered,
    else the profile's own pipeline."""
    import uvicorn

    from ragops.api.app import auth_required, create_app
    from ragops.registry.serving import served_settings

    try:
        settings, version = served_settings(settings_for(profile), model)
    except RagopsError as exc:
        fail(exc)
    label = version.label if version else None
    errors.print(
        f"serving {label or f'the {settings.profile} profile pipeline'} over collection {settings.collection!r}"
    )
    server = settings.server.model_copy(
        update={"host": host or settings.server.host, "port": port or settings.server.port}
    )
    settings = settings.model_copy(update={"server": server})
    if auth_required(settings):
        _require_active_key(settings)
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    uvicorn.run(
        create_app(settings, pipeline_label=label),
        host=server.host,
        port=server.port,
        log_level="info",
        timeout_graceful_shutdown=int(server.graceful_shutdown_s),  # in-flight requests finish first
    )


def _require_active_key(settings: Settings) -> None:
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
