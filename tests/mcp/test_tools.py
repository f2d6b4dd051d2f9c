"""Tool failures below the protocol: a database that went away becomes a tool error naming what to check."""

from __future__ import annotations

import anyio
from mcp import Client
from mcp.types import CallToolResult

from ragops.config import Settings
from ragops.mcp.server import build_server
from ragops.mcp.tools import KnowledgeBaseTools
from ragops.runtime import Runtime
from ragops.services.catalog import CatalogService
from ragops.store.database import open_database


async def _list_collections(tools: KnowledgeBaseTools) -> CallToolResult:
    async with Client(build_server(tools)) as client:  # the SDK's in-process client
        return await client.call_tool("list_collections", {})


def test_a_closed_database_is_a_tool_error_not_a_crash(runtime: Runtime, mcp_settings: Settings) -> None:
    gone = open_database(mcp_settings.database, mcp_settings.pgdata)
    gone.close()
    tools = KnowledgeBaseTools(
        settings=mcp_settings, pipeline=runtime.pipeline(mcp_settings), catalog=CatalogService(gone)
    )

    result = anyio.run(_list_collections, tools)

    assert result.is_error
    text = " ".join(getattr(block, "text", "") for block in result.content)
    assert "ragops db status" in text
