"""The MCP server over streamable HTTP, behind the HTTP API's own API keys when the settings require them.

The SDK's auth hooks are an OAuth resource server (an issuer URL, protected-resource metadata that sends
clients into an OAuth flow); our keys are static Bearer secrets, so an ASGI middleware checks them instead.
"""

from __future__ import annotations

import anyio.to_thread
from mcp.server import MCPServer
from mcp.types import INVALID_REQUEST
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ragops.api.auth import TokenBucketLimiter, auth_required, authenticate_bearer
from ragops.api.errors import error_headers, status_for
from ragops.config import Settings
from ragops.errors import RagopsError
from ragops.store.database import Database

MCP_PATH = "/mcp"


def streamable_http_app(server: MCPServer, settings: Settings, db: Database) -> ASGIApp:
    """The SDK's streamable HTTP app for `server`, wrapped in the API-key check when `auth_required(settings)`."""
    app = server.streamable_http_app(streamable_http_path=MCP_PATH, host=settings.server.host)
    if not auth_required(settings):
        return app
    limiter = TokenBucketLimiter(settings.server.rate_limit_per_minute, settings.server.rate_limit_burst)
    return BearerKeyMiddleware(app, db, limiter)


class BearerKeyMiddleware:
    """Every HTTP request needs `Authorization: Bearer <key>` with an active key under its rate limit, else the
    401 or 429 the HTTP API would send."""

    def __init__(self, app: ASGIApp, db: Database, limiter: TokenBucketLimiter) -> None:
        self.app = app
        self.db = db
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan: the SDK's session manager starts and stops there
            await self.app(scope, receive, send)
            return
        secret = _bearer_token(dict(scope["headers"]).get(b"authorization"))
        try:
            key = await anyio.to_thread.run_sync(authenticate_bearer, self.db, secret)  # a database round trip
            self.limiter.admit(key)
        except RagopsError as exc:  # unknown key, over its rate, or the database is unreachable
            await _refusal(exc)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _bearer_token(header: bytes | None) -> str | None:
    if header is None:
        return None
    scheme, _, token = header.decode("latin-1").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def _refusal(exc: RagopsError) -> JSONResponse:
    """The HTTP API's status and headers, with a JSON-RPC error body: MCP clients show its message to the user
    (for a problem-details body they would only say that the server returned an error)."""
    body = {"jsonrpc": "2.0", "id": None, "error": {"code": INVALID_REQUEST, "message": str(exc)}}
    return JSONResponse(body, status_code=status_for(exc), headers=error_headers(exc))
