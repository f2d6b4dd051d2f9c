"""The MCP server over streamable HTTP with API keys required: the SDK's client with a key, raw requests without."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import anyio
import httpx
import httpx2
import pytest
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from ragops.config import Settings
from ragops.mcp.http import MCP_PATH, streamable_http_app
from ragops.mcp.server import build_server
from ragops.mcp.tools import KnowledgeBaseTools
from ragops.runtime import Runtime
from ragops.store import api_keys
from tests.api.conftest import serving_app
from tests.mcp.conftest import QUESTION, TOOLS

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}
MCP_HEADERS = {"accept": "application/json, text/event-stream"}


@dataclass(frozen=True)
class KeyedServer:
    url: str
    secret: str


@pytest.fixture(scope="module")
def keyed_server(runtime: Runtime, mcp_settings: Settings, mcp_tools: KnowledgeBaseTools) -> Iterator[KeyedServer]:
    with runtime.db.connection() as conn:
        _, secret = api_keys.create_key(conn, f"test-mcp-{uuid.uuid4().hex[:8]}")
    server = mcp_settings.server.model_copy(update={"require_api_key": True})
    settings = mcp_settings.model_copy(update={"server": server})
    app = streamable_http_app(build_server(mcp_tools), settings, runtime.db)
    with serving_app(app) as (_, _, base_url):
        yield KeyedServer(base_url + MCP_PATH, secret)


async def _calls(url: str, secret: str, *calls: tuple[str, dict[str, object]]) -> tuple[set[str], list[CallToolResult]]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {secret}"}, timeout=120) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        names = {tool.name for tool in (await client.list_tools()).tools}
        return names, [await client.call_tool(name, arguments) for name, arguments in calls]


def call(server: KeyedServer, *calls: tuple[str, dict[str, object]]) -> tuple[set[str], list[CallToolResult]]:
    return anyio.run(_calls, server.url, server.secret, *calls)


def error_text(result: CallToolResult) -> str:
    assert result.is_error
    return " ".join(getattr(block, "text", "") for block in result.content)


def test_without_a_key_the_server_answers_401_saying_what_to_send(keyed_server: KeyedServer) -> None:
    response = httpx.post(keyed_server.url, json=INITIALIZE, headers=MCP_HEADERS)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["error"]["message"]


def test_a_wrong_key_is_refused(keyed_server: KeyedServer) -> None:
    response = httpx.post(
        keyed_server.url, json=INITIALIZE, headers={**MCP_HEADERS, "authorization": "Bearer rgk_not-a-key"}
    )

    assert response.status_code == 401
    assert "unknown or revoked" in response.json()["error"]["message"]


def test_the_sdk_client_with_a_wrong_key_shows_why_it_cannot_connect(keyed_server: KeyedServer) -> None:
    with pytest.raises(ExceptionGroup) as raised:  # the client's task group wraps the handshake's error
        anyio.run(_calls, keyed_server.url, "rgk_not-a-key")

    assert raised.group_contains(MCPError, match="unknown or revoked")


def test_with_the_right_key_ask_answers_with_citations(keyed_server: KeyedServer) -> None:
    names, (answer,) = call(keyed_server, ("ask", {"question": QUESTION}))

    assert names == TOOLS
    assert not answer.is_error
    found = answer.structured_content
    assert found is not None
    assert found["answer"]
    assert found["citations"] and all(c["chunk_id"] > 0 and c["title"] for c in found["citations"])
    assert any(c["cited"] for c in found["citations"])
    assert len(found["trace_id"]) == 32


def test_bad_requests_are_tool_errors_that_say_what_to_do(keyed_server: KeyedServer) -> None:
    _, (empty, blank_search, nowhere) = call(
        keyed_server,
        ("ask", {"question": "   "}),
        ("search", {"query": ""}),
        ("ask", {"question": QUESTION, "collection": "nowhere"}),
    )

    assert "the question is empty: ask something" in error_text(empty)
    assert "empty" in error_text(blank_search)
    assert "ragops ingest --collection nowhere" in error_text(nowhere)
    assert "Traceback" not in error_text(nowhere)
