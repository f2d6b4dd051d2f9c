"""The MCP server over the session's runtime and sample collection, with short hybrid answers: the LLM writes
(64 tokens at most) and extractive sentences fill in, so every answer cites a passage."""

from __future__ import annotations

import pytest

from ragops.config import Settings
from ragops.mcp.tools import KnowledgeBaseTools
from ragops.runtime import Runtime
from tests.api.conftest import short_answers

TOOLS = {"search", "ask", "list_collections"}
QUESTION = "What is retrieval-augmented generation?"


@pytest.fixture(scope="session")
def mcp_settings(runtime: Runtime, sample_collection: str) -> Settings:
    hybrid = runtime.settings.answer.model_copy(update={"mode": "hybrid"})
    return short_answers(runtime.settings.model_copy(update={"collection": sample_collection, "answer": hybrid}))


@pytest.fixture(scope="session")
def mcp_tools(runtime: Runtime, mcp_settings: Settings) -> KnowledgeBaseTools:
    return KnowledgeBaseTools.over(runtime, mcp_settings)
