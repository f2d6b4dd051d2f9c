"""What the MCP tools and resources do, as plain methods over the pipeline and the catalog: no MCP types here."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pydantic import BaseModel

from ragops.api.schemas import CollectionResponse
from ragops.config import Settings
from ragops.errors import InvalidRequestError
from ragops.rag.pipeline import QueryPipeline
from ragops.rag.query import resolve_query
from ragops.rag.response import AnswerResponse, RetrieveResponse, answer_response, retrieve_response
from ragops.runtime import Runtime
from ragops.services.catalog import CatalogService
from ragops.store.catalog import DocumentSummary
from ragops.types import RetrievalMode


class CollectionList(BaseModel):
    """A tool's structured output must be an object: the collections go in a field of one."""

    collections: list[CollectionResponse]


@dataclass(frozen=True)
class DocumentText(DocumentSummary):
    """A stored document with its whole text: what a document resource reads as."""

    text: str


@dataclass(frozen=True)
class KnowledgeBaseTools:
    """Search, answer and browse one runtime's knowledge base; bad requests raise InvalidRequestError."""

    settings: Settings
    pipeline: QueryPipeline
    catalog: CatalogService

    @classmethod
    def over(cls, runtime: Runtime, settings: Settings | None = None) -> KnowledgeBaseTools:
        """Built once per server: the pipeline loads its guards and prompts here, not per call."""
        settings = settings or runtime.settings
        return cls(settings=settings, pipeline=runtime.pipeline(settings), catalog=CatalogService(runtime.db))

    def search(
        self, query: str, *, collection: str | None, top_k: int | None, mode: RetrievalMode | None
    ) -> RetrieveResponse:
        question = self._checked(query)
        resolved = resolve_query(self.settings, question, collection=collection, mode=mode, top_k=top_k)
        return retrieve_response(self.pipeline.retrieve(resolved))

    def ask(self, question: str, *, collection: str | None) -> AnswerResponse:
        # Conversations (#14) will take a conversation id here and condense the question with the thread's
        # history before it is resolved; the answer's shape stays the same.
        resolved = resolve_query(self.settings, self._checked(question), collection=collection)
        return answer_response(self.pipeline.answer(resolved))

    def list_collections(self) -> CollectionList:
        return CollectionList(collections=[CollectionResponse(**asdict(c)) for c in self.catalog.list_collections()])

    def read_document(self, document_id: int) -> DocumentText:
        found, text = self.catalog.read_document(document_id)
        return DocumentText(**asdict(found), text=text)

    def _checked(self, question: str) -> str:
        """The same limits the HTTP API puts on a question."""
        question = question.strip()
        if not question:
            raise InvalidRequestError("the question is empty: ask something")
        limit = self.settings.server.max_question_chars
        if len(question) > limit:
            raise InvalidRequestError(f"the question has {len(question)} characters; shorten it to at most {limit}")
        return question
