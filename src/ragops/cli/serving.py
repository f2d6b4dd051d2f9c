"""`ragops serve`: the HTTP API and web page, for the profile's pipeline or a registered version."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from ragops.cli.common import ProfileOption, app, errors, fail, require_active_key, settings_for
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

    from ragops.api.app import create_app
    from ragops.api.auth import auth_required
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
        require_active_key(settings)
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    uvicorn.run(
        create_app(settings, pipeline_label=label),
        host=server.host,
        port=server.port,
        log_level="info",
        timeout_graceful_shutdown=int(server.graceful_shutdown_s),  # in-flight requests finish first
    )
