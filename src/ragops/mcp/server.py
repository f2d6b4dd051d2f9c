"""The MCP server: the knowledge base's tools and document resources on the official SDK's MCPServer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import anyio.to_thread
from mcp.server import MCPServer, ServerRequestContext
from mcp.server.context import CallNext, HandlerResult
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, Resource, ToolAnnotations
from pydantic import Field, TypeAdapter

from ragops.api.schemas import MAX_TOP_K
from ragops.errors import NotFoundError, RagopsError
from ragops.mcp.tools import CollectionList, DocumentText, KnowledgeBaseTools
from ragops.rag.response import AnswerResponse, RetrieveResponse
from ragops.services.catalog import CatalogService
from ragops.store.catalog import DocumentSummary
from ragops.types import RetrievalMode

INSTRUCTIONS = (
    "ragops answers questions over a knowledge base of documents, citing the passages it used. "
    "Call `list_collections` to see what is there, `search` for the passages about something, "
    "`ask` for a cited answer, and read `ragops://documents/{id}` for a whole document."
)
DOCUMENT_URI = "ragops://documents/{document_id}"
DOCUMENT_PAGE_SIZE = 100  # resources/list pages: a big corpus lists in a few round trips, none of them large

Question = Annotated[str, Field(description="what to look for, in plain words")]
CollectionName = Annotated[
    str | None, Field(default=None, description="knowledge base to use; default: the server's collection")
]
TopK = Annotated[int | None, Field(default=None, ge=1, le=MAX_TOP_K, description="passages to return")]
Mode = Annotated[RetrievalMode | None, Field(default=None, description="dense, keyword or hybrid; default: config")]

_READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
_DOCUMENT_JSON = TypeAdapter(DocumentText)


def build_server(tools: KnowledgeBaseTools) -> MCPServer:
    """An MCPServer whose tools and resources call `tools`; run it over stdio or mount its HTTP app."""
    server: MCPServer = MCPServer(
        "ragops", instructions=INSTRUCTIONS, version="0.1.0", middleware=[DocumentListing(tools.catalog)]
    )

    @server.tool(annotations=_READ_ONLY)
    def search(
        query: Question, collection: CollectionName = None, top_k: TopK = None, mode: Mode = None
    ) -> RetrieveResponse:
        """The passages of the knowledge base that best match the query, best first, with their chunk and
        document ids, titles, URIs and scores. No answer is written: read the passages yourself."""
        with tool_errors():
            return tools.search(query, collection=collection, top_k=top_k, mode=mode)

    @server.tool(annotations=_READ_ONLY)
    def ask(question: Question, collection: CollectionName = None) -> AnswerResponse:
        """A cited answer from the knowledge base: each sentence ends with the [n] of the passage in `citations`
        it comes from. `is_refusal` is true when nothing relevant was found."""
        with tool_errors():
            return tools.ask(question, collection=collection)

    @server.tool(annotations=_READ_ONLY)
    def list_collections() -> CollectionList:
        """The knowledge bases (collections) with how many documents and chunks each holds."""
        with tool_errors():
            return tools.list_collections()

    @server.resource(DOCUMENT_URI, name="document", mime_type="application/json")
    def document(document_id: str) -> str:
        """A stored document: its title, URI, source, metadata and whole text."""
        return _document_json(tools, document_id)

    return server


@contextmanager
def tool_errors() -> Iterator[None]:
    """Our errors become tool errors the model reads (their messages say what to do); the rest stay crashes."""
    try:
        yield
    except RagopsError as exc:
        raise ToolError(str(exc)) from exc


def _document_json(tools: KnowledgeBaseTools, document_id: str) -> str:
    if not document_id.isdigit():
        raise ResourceNotFoundError(f"document ids are numbers; {document_id!r} is not one (resources/list has them)")
    try:
        found = tools.read_document(int(document_id))
    except NotFoundError as exc:
        raise ResourceNotFoundError(f"document {document_id} does not exist; resources/list lists them") from exc
    except RagopsError as exc:
        raise ResourceError(str(exc)) from exc
    return _DOCUMENT_JSON.dump_json(found).decode()


class DocumentListing:
    """Server middleware that adds the stored documents, a page per cursor, to `resources/list`.

    MCPServer lists only resources registered up front; documents come and go with ingestion, so they are read
    from the database on each request. The SDK's own result is extended, so its envelope stays as it made it.
    """

    def __init__(self, catalog: CatalogService) -> None:
        self.catalog = catalog

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        result = await call_next(ctx)
        if ctx.method != "resources/list" or not isinstance(result, dict):
            return result
        offset = _offset(ctx.params.get("cursor") if ctx.params else None)
        found, total = await anyio.to_thread.run_sync(
            lambda: self.catalog.list_documents(collection=None, source=None, limit=DOCUMENT_PAGE_SIZE, offset=offset)
        )
        listed = [_resource(d).model_dump(by_alias=True, mode="json", exclude_none=True) for d in found]
        extended = {**result, "resources": [*result.get("resources", []), *listed]}
        if offset + len(found) < total:
            extended["nextCursor"] = str(offset + len(found))
        return extended


def _offset(cursor: object) -> int:
    """The offset a cursor of ours (a decimal offset) stands for; -32602 for any other, as the spec asks."""
    if cursor is None:
        return 0
    if isinstance(cursor, str) and cursor.isdigit():
        return int(cursor)
    raise MCPError(code=INVALID_PARAMS, message=f"unknown cursor {cursor!r}: list again without one")


def _resource(document: DocumentSummary) -> Resource:
    return Resource(
        uri=DOCUMENT_URI.format(document_id=document.id),
        name=document.source_id,
        title=document.title,
        description=f"{document.collection}: {document.uri or document.source}",
        mime_type="application/json",
    )
