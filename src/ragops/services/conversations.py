"""Conversations as the API, the CLI chat and an MCP server use them: create, list, get, rename, delete, and ask
a follow-up, which answers with the thread's history and stores both messages.

Every call names the owner (the API key's id, None while keys are off); another owner's conversation does not exist.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass

from ragops.config import Settings
from ragops.errors import ConflictError, NotFoundError
from ragops.providers.base import TextDelta
from ragops.rag.history import cited_documents
from ragops.rag.pipeline import QueryPipeline
from ragops.rag.query import resolve_query
from ragops.rag.response import CitationResponse, answer_response
from ragops.store import conversations as store
from ragops.store.conversations import Conversation, Message, NewMessage
from ragops.store.database import Database
from ragops.types import Answer, Query, Turn

TITLE_CHARS = 80  # an untitled conversation is named after the start of its first question


@dataclass(frozen=True)
class Thread:
    """A conversation with its messages, oldest first."""

    conversation: Conversation
    messages: list[Message]


@dataclass(frozen=True)
class ConversationService:
    db: Database
    pipeline: QueryPipeline
    settings: Settings  # resolves each follow-up's knobs as /v1/query does

    def create(self, *, owner: int | None, collection: str | None = None, title: str = "") -> Conversation:
        """A new, empty conversation over `collection` (default: the configured one), which must exist."""
        name = collection or self.settings.collection
        self.pipeline.collection(name)  # NotFoundError names the collection and how to create it
        with self.db.connection() as conn:
            return store.create_conversation(conn, collection=name, title=title.strip(), owner=owner)

    def list(self, *, owner: int | None, limit: int, offset: int) -> tuple[list[Conversation], int]:
        """One page of the owner's conversations (most recently active first) and how many there are."""
        with self.db.connection() as conn:
            return store.list_conversations(conn, owner=owner, limit=limit, offset=offset)

    def get(self, conversation_id: str, *, owner: int | None) -> Thread:
        with self.db.connection() as conn:
            conversation = store.get_conversation(conn, conversation_id, owner=owner)
            return Thread(conversation, store.list_messages(conn, conversation_id))

    def rename(self, conversation_id: str, title: str, *, owner: int | None) -> Conversation:
        with self.db.connection() as conn:
            return store.rename_conversation(conn, conversation_id, title.strip(), owner=owner)

    def delete(self, conversation_id: str, *, owner: int | None) -> None:
        """The conversation and its messages."""
        with self.db.connection() as conn:
            store.delete_conversation(conn, conversation_id, owner=owner)

    def ask(self, conversation_id: str, question: str, *, owner: int | None, request_id: str) -> Answer:
        """The cited answer to a follow-up in the light of the thread so far; both messages are stored."""
        answer = self.pipeline.answer(self._follow_up(conversation_id, question, owner=owner))
        self._record(conversation_id, answer, request_id)
        return answer

    def stream(
        self, conversation_id: str, question: str, *, owner: int | None, request_id: str
    ) -> Iterator[TextDelta | Answer]:
        """The answer as it is written, then the whole Answer (stored once it is complete). An unknown
        conversation or a deleted collection raises here, before anything streams."""
        query = self._follow_up(conversation_id, question, owner=owner)
        return self._recorded(conversation_id, self.pipeline.stream_answer(query), request_id)

    def _recorded(
        self, conversation_id: str, events: Iterator[TextDelta | Answer], request_id: str
    ) -> Generator[TextDelta | Answer, None, None]:
        try:
            for event in events:
                if isinstance(event, Answer):
                    self._record(conversation_id, event, request_id)
                yield event
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()  # a client that went away stops the model, as on /v1/query/stream

    def _follow_up(self, conversation_id: str, question: str, *, owner: int | None) -> Query:
        # Only the turns a prompt may carry are read: a long thread costs a question no more than a short one.
        last = 2 * self.settings.conversation.max_history_turns
        with self.db.connection() as conn:
            conversation = store.get_conversation(conn, conversation_id, owner=owner)
            messages = store.list_messages(conn, conversation_id, last=last)
        collection = conversation.collection
        try:
            self.pipeline.collection(collection)
        except NotFoundError as exc:
            raise ConflictError(
                f"conversation {conversation_id!r} is about collection {collection!r}, which no longer exists; "
                f"start a new conversation on an existing collection (GET /v1/collections), or re-create it with "
                f"`ragops ingest --collection {collection}`"
            ) from exc
        return resolve_query(self.settings, question, collection=collection, history=history_turns(messages))

    def _record(self, conversation_id: str, answer: Answer, request_id: str) -> None:
        shown = answer_response(answer, request_id)
        condensed = answer.condensed
        messages = [
            NewMessage("user", answer.question),  # as the input guards left it: PII is never stored
            NewMessage(
                "assistant",
                answer.text,
                citations=[c.model_dump() for c in shown.citations],
                standalone_query=condensed.text if condensed else None,
                condense_strategy=condensed.strategy if condensed else None,
                trace_id=answer.trace_id or None,
                request_id=request_id,
            ),
        ]
        with self.db.connection() as conn:
            store.add_messages(conn, conversation_id, messages, title=answer.question[:TITLE_CHARS])


def history_turns(messages: list[Message]) -> list[Turn]:
    """Stored messages as turns: each user message with the assistant message that answered it."""
    turns = []
    question: str | None = None
    for message in messages:
        if message.role == "user":
            question = message.text
        elif question is not None:
            citations = [CitationResponse(**c) for c in message.citations]
            cited = {c.number for c in citations if c.cited}
            turns.append(Turn(question, message.text, cited_documents(citations, cited)))
            question = None
    return turns
