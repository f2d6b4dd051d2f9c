"""`python -m ragops mcp` as an MCP client starts it: a subprocess on stdio, over the test database."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult, ListResourcesResult, ReadResourceResult, Tool

import ragops
from ragops.runtime import Runtime
from tests.mcp.conftest import QUESTION, TOOLS

REPO = Path(__file__).parents[2]


@dataclass(frozen=True)
class StdioSession:
    """What one client session with the subprocess saw: it starts once per module (loading the models takes
    seconds), and each test reads its own part."""

    tools: list[Tool]
    search: CallToolResult
    collections: CallToolResult
    listing: ListResourcesResult
    document: ReadResourceResult


def server_parameters(runtime: Runtime, collection: str) -> StdioServerParameters:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "PYTHONPATH": str(Path(ragops.__file__).parents[1]),  # this checkout's ragops, not another install's
        "RAGOPS_HOME": str(runtime.settings.home),  # attaches to the session's embedded PostgreSQL
        "RAGOPS_TRACING__SINKS": '["postgres"]',  # no MLflow start-up in the child: it is not under test here
    }
    return StdioServerParameters(
        command=sys.executable, args=["-m", "ragops", "mcp", "--collection", collection], env=env, cwd=REPO
    )


async def run_session(parameters: StdioServerParameters) -> StdioSession:
    async with Client(parameters, read_timeout_seconds=120) as client:
        tools = (await client.list_tools()).tools
        search = await client.call_tool("search", {"query": QUESTION, "top_k": 3})
        collections = await client.call_tool("list_collections", {})
        listing = await client.list_resources()
        document_id = search.structured_content["passages"][0]["document_id"] if search.structured_content else 0
        document = await client.read_resource(f"ragops://documents/{document_id}")
    return StdioSession(tools, search, collections, listing, document)


@pytest.fixture(scope="module")
def session(runtime: Runtime, sample_collection: str) -> StdioSession:
    return anyio.run(run_session, server_parameters(runtime, sample_collection))


def test_the_tools_are_listed_with_their_schemas(session: StdioSession) -> None:
    by_name = {tool.name: tool for tool in session.tools}
    assert set(by_name) == TOOLS
    assert by_name["search"].input_schema["required"] == ["query"]
    assert by_name["ask"].output_schema is not None
    assert "citations" in by_name["ask"].output_schema["properties"]


def test_search_returns_ranked_passages_of_the_sample(session: StdioSession, sample_collection: str) -> None:
    assert not session.search.is_error
    found = session.search.structured_content
    assert found is not None
    assert found["collection"] == sample_collection
    passages = found["passages"]
    assert [p["rank"] for p in passages] == [1, 2, 3]
    assert all(p["chunk_id"] > 0 and p["document_id"] > 0 and p["title"] for p in passages)
    assert passages[0]["score"] >= passages[-1]["score"]
    assert any("retrieval" in (p["title"] + p["text"]).lower() for p in passages)


def test_list_collections_counts_the_sample(session: StdioSession, sample_collection: str) -> None:
    found = session.collections.structured_content
    assert found is not None
    sample = next(c for c in found["collections"] if c["name"] == sample_collection)
    assert sample["documents"] == 120
    assert sample["chunks"] >= 120


def test_documents_are_listed_as_resources(session: StdioSession) -> None:
    uris = [str(resource.uri) for resource in session.listing.resources]
    assert len(uris) == 100  # a page; the session's collections hold more
    assert session.listing.next_cursor == "100"
    assert all(uri.startswith("ragops://documents/") for uri in uris)


def test_a_document_resource_holds_the_passage_it_was_found_by(session: StdioSession) -> None:
    assert session.search.structured_content is not None
    best = session.search.structured_content["passages"][0]
    (content,) = session.document.contents
    assert content.mime_type == "application/json"
    document = json.loads(getattr(content, "text", ""))
    assert document["id"] == best["document_id"]
    assert document["title"] == best["title"]
    assert best["text"] in document["text"]
