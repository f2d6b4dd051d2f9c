"""Conversations and their messages. Every read and write names the owner: another owner's thread is not found."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from psycopg import sql
from psycopg.types.json import Jsonb

from ragops.errors import NotFoundError
from ragops.store.connection import Connection

MessageRole = Literal["user", "assistant"]
_ID_BYTES = 18  # 144 random bits, 24 URL-safe characters: not guessable, not enumerable

_RETURNING = sql.SQL(" RETURNING id, collection, title, owner_key_id, created_at, updated_at")  # Conversation's order
_SELECT = sql.SQL("SELECT id, collection, title, owner_key_id, created_at, updated_at FROM conversations")
# Keys off: owner NULL, and NULL matches NULL. Keys on: the key's id, which never matches a NULL owner.
_OWNED = sql.SQL(" WHERE id = %(id)s AND owner_key_id IS NOT DISTINCT FROM %(owner)s")


@dataclass(frozen=True)
class Conversation:
    id: str
    collection: str
    title: str
    owner_key_id: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Message:
    id: int
    role: MessageRole
    text: str
    citations: list[dict[str, Any]]  # as the answer showed them (CitationResponse fields)
    standalone_query: str | None  # assistant messages: the query retrieval ran on
    condense_strategy: str | None
    trace_id: str | None
    request_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class NewMessage:
    role: MessageRole
    text: str
    citations: list[dict[str, Any]] | None = None
    standalone_query: str | None = None
    condense_strategy: str | None = None
    trace_id: str | None = None
    request_id: str | None = None


def create_conversation(conn: Connection, *, collection: str, title: str, owner: int | None) -> Conversation:
    insert = sql.SQL("INSERT INTO conversations (id, collection, title, owner_key_id) VALUES (%s, %s, %s, %s)")
    row = conn.execute(insert + _RETURNING, (secrets.token_urlsafe(_ID_BYTES), collection, title, owner)).fetchone()
    assert row is not None
    return Conversation(*row)


def list_conversations(
    conn: Connection, *, owner: int | None, limit: int, offset: int
) -> tuple[list[Conversation], int]:
    """One page of the owner's conversations (most recently active first) and how many they have."""
    params = {"owner": owner, "limit": limit, "offset": offset}
    mine = sql.SQL(" WHERE owner_key_id IS NOT DISTINCT FROM %(owner)s")
    total = conn.execute(sql.SQL("SELECT count(*) FROM conversations") + mine, params).fetchone()
    page = sql.SQL(" ORDER BY updated_at DESC, id LIMIT %(limit)s OFFSET %(offset)s")
    rows = conn.execute(_SELECT + mine + page, params).fetchall()
    return [Conversation(*row) for row in rows], int(total[0]) if total else 0


def get_conversation(conn: Connection, conversation_id: str, *, owner: int | None) -> Conversation:
    row = conn.execute(_SELECT + _OWNED, {"id": conversation_id, "owner": owner}).fetchone()
    if row is None:
        raise _not_found(conversation_id)
    return Conversation(*row)


def rename_conversation(conn: Connection, conversation_id: str, title: str, *, owner: int | None) -> Conversation:
    update = sql.SQL("UPDATE conversations SET title = %(title)s, updated_at = now()") + _OWNED + _RETURNING
    row = conn.execute(update, {"id": conversation_id, "owner": owner, "title": title}).fetchone()
    if row is None:
        raise _not_found(conversation_id)
    return Conversation(*row)


def delete_conversation(conn: Connection, conversation_id: str, *, owner: int | None) -> None:
    """The conversation and (by cascade) its messages."""
    cursor = conn.execute(sql.SQL("DELETE FROM conversations") + _OWNED, {"id": conversation_id, "owner": owner})
    if cursor.rowcount == 0:
        raise _not_found(conversation_id)


def list_messages(conn: Connection, conversation_id: str, *, last: int | None = None) -> list[Message]:
    """The conversation's messages (the `last` ones only, when given), oldest first; the caller checked its owner."""
    rows = conn.execute(
        "SELECT id, role, text, citations, standalone_query, condense_strategy, trace_id, request_id, created_at"
        " FROM conversation_messages WHERE conversation_id = %s ORDER BY id DESC LIMIT %s",
        (conversation_id, last),  # LIMIT NULL: all of them
    ).fetchall()
    return [Message(*row) for row in reversed(rows)]


def add_messages(conn: Connection, conversation_id: str, messages: list[NewMessage], *, title: str) -> None:
    """Append messages in order and mark the conversation active; an untitled one takes `title`."""
    with conn.transaction():
        for message in messages:
            conn.execute(
                "INSERT INTO conversation_messages (conversation_id, role, text, citations, standalone_query,"
                " condense_strategy, trace_id, request_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    conversation_id,
                    message.role,
                    message.text,
                    Jsonb(message.citations or []),
                    message.standalone_query,
                    message.condense_strategy,
                    message.trace_id,
                    message.request_id,
                ),
            )
        conn.execute(
            "UPDATE conversations SET updated_at = now(), title = CASE WHEN title = '' THEN %s ELSE title END"
            " WHERE id = %s",
            (title, conversation_id),
        )


def _not_found(conversation_id: str) -> NotFoundError:
    # The same words whether it never existed or belongs to another key: the answer must not tell them apart.
    return NotFoundError(f"conversation {conversation_id!r} does not exist; GET /v1/conversations lists yours")
