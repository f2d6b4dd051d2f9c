"""`ragops mcp`: the knowledge base as an MCP server (tools search, ask, list_collections; documents as resources)."""
