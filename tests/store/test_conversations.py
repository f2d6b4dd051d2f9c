"""The conversations repository on the real database: ids, owners, ordering, cascade."""

from __future__ import annotations

import pytest

from ragops.errors import NotFoundError
from ragops.runtime import Runtime
from ragops.store import api_keys
from ragops.store import conversations as store
from ragops.store.conversations import NewMessage


def _key_id(runtime: Runtime, name: str) -> int:
    with runtime.db.connection() as conn:
        key, _ = api_keys.create_key(conn, name)
    return key.id


def test_ids_are_long_random_and_distinct(runtime: Runtime, collection_name: str) -> None:
    with runtime.db.connection() as conn:
        ids = {store.create_conversation(conn, collection=collection_name, title="", owner=None).id for _ in range(20)}

    assert len(ids) == 20
    assert all(len(i) >= 24 and not i.isdigit() for i in ids)


def test_messages_keep_their_order_and_the_first_question_names_an_untitled_thread(
    runtime: Runtime, collection_name: str
) -> None:
    with runtime.db.connection() as conn:
        created = store.create_conversation(conn, collection=collection_name, title="", owner=None)
        store.add_messages(
            conn,
            created.id,
            [
                NewMessage("user", "What is FAIR-RAG?"),
                NewMessage(
                    "assistant",
                    "An iterative RAG method [1].",
                    citations=[{"number": 1, "title": "FAIR-RAG"}],
                    standalone_query="What is FAIR-RAG?",
                    condense_strategy="rules",
                    trace_id="t" * 32,
                    request_id="r1",
                ),
            ],
            title="What is FAIR-RAG?",
        )
        store.add_messages(conn, created.id, [NewMessage("user", "And its benchmarks?")], title="ignored")

        messages = store.list_messages(conn, created.id)
        latest = store.list_messages(conn, created.id, last=2)
        again = store.get_conversation(conn, created.id, owner=None)

    assert [m.role for m in messages] == ["user", "assistant", "user"]
    assert [m.id for m in latest] == [m.id for m in messages[1:]]  # the last two, still oldest first
    assert messages[1].citations == [{"number": 1, "title": "FAIR-RAG"}]
    assert (messages[1].standalone_query, messages[1].condense_strategy) == ("What is FAIR-RAG?", "rules")
    assert again.title == "What is FAIR-RAG?"  # the first title sticks
    assert again.updated_at > created.updated_at


def test_another_owner_sees_none_of_it(runtime: Runtime, collection_name: str) -> None:
    alice, bob = _key_id(runtime, f"{collection_name}-a"), _key_id(runtime, f"{collection_name}-b")
    with runtime.db.connection() as conn:
        mine = store.create_conversation(conn, collection=collection_name, title="mine", owner=alice)

        for attempt in (
            lambda: store.get_conversation(conn, mine.id, owner=bob),
            lambda: store.get_conversation(conn, mine.id, owner=None),  # keys off does not open keyed threads
            lambda: store.rename_conversation(conn, mine.id, "taken", owner=bob),
            lambda: store.delete_conversation(conn, mine.id, owner=bob),
        ):
            with pytest.raises(NotFoundError, match="GET /v1/conversations"):
                attempt()
        listed, _ = store.list_conversations(conn, owner=bob, limit=10, offset=0)

        assert mine.id not in {c.id for c in listed}
        assert store.get_conversation(conn, mine.id, owner=alice).title == "mine"  # untouched


def test_deleting_a_conversation_deletes_its_messages(runtime: Runtime, collection_name: str) -> None:
    with runtime.db.connection() as conn:
        created = store.create_conversation(conn, collection=collection_name, title="t", owner=None)
        store.add_messages(conn, created.id, [NewMessage("user", "q"), NewMessage("assistant", "a")], title="t")

        store.delete_conversation(conn, created.id, owner=None)

        left = conn.execute("SELECT count(*) FROM conversation_messages WHERE conversation_id = %s", (created.id,))
        assert left.fetchone() == (0,)
        with pytest.raises(NotFoundError):
            store.delete_conversation(conn, created.id, owner=None)


def test_pages_run_most_recent_first(runtime: Runtime, collection_name: str) -> None:
    owner = _key_id(runtime, f"{collection_name}-pages")
    with runtime.db.connection() as conn:
        made = [
            store.create_conversation(conn, collection=collection_name, title=str(i), owner=owner) for i in range(5)
        ]
        store.rename_conversation(conn, made[0].id, "touched", owner=owner)  # now the most recent

        first, total = store.list_conversations(conn, owner=owner, limit=2, offset=0)
        rest, _ = store.list_conversations(conn, owner=owner, limit=10, offset=2)

    assert total == 5
    assert first[0].title == "touched"
    assert len({c.id for c in first + rest}) == 5
