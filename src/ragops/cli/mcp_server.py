"""`ragops mcp`: the knowledge base for MCP clients (assistants, IDEs), over stdio or streamable HTTP."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from ragops.cli.common import CollectionOption, ProfileOption, app, errors, fail, require_active_key, settings_for
from ragops.errors import RagopsError

DEFAULT_MCP_PORT = 8001  # beside `ragops serve` on 8000


@app.command("mcp")
def mcp_server(
    http: Annotated[
        bool, typer.Option("--http", help="serve streamable HTTP at http://HOST:PORT/mcp instead of stdio")
    ] = False,
    host: Annotated[str, typer.Option(help="bind address with --http; beyond 127.0.0.1 it requires API keys")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="port with --http")] = DEFAULT_MCP_PORT,
    collection: CollectionOption = None,
    profile: ProfileOption = None,
) -> None:
    """Serve the tools search, ask and list_collections and the documents as resources to MCP clients.

    Over stdio (the default) the client starts this command itself: it is local, with no API keys.
    Over HTTP, keys are required as for `ragops serve` (server.require_api_key, or a non-loopback host)."""
    from ragops.api.auth import auth_required
    from ragops.mcp.http import MCP_PATH, streamable_http_app
    from ragops.mcp.server import build_server
    from ragops.mcp.tools import KnowledgeBaseTools
    from ragops.runtime import open_runtime

    settings = settings_for(profile)
    server_settings = settings.server.model_copy(update={"host": host, "port": port})
    settings = settings.model_copy(update={"server": server_settings, "collection": collection or settings.collection})
    if http and auth_required(settings):
        require_active_key(settings)
    logging.getLogger("llama_cpp").setLevel(logging.ERROR)
    try:
        with open_runtime(settings, with_llm=True) as runtime:
            server = build_server(KnowledgeBaseTools.over(runtime))
            if not http:
                errors.print(f"MCP server on stdio over collection {settings.collection!r}")
                server.run("stdio")
                return
            import uvicorn

            errors.print(f"MCP server on http://{host}:{port}{MCP_PATH} over collection {settings.collection!r}")
            uvicorn.run(streamable_http_app(server, settings, runtime.db), host=host, port=port, log_level="info")
    except RagopsError as exc:
        fail(exc)
