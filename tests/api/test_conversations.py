"""Conversation routes over the real app: CRUD, follow-ups as JSON and SSE, isolation between API keys, a deleted
collection, OpenAPI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ragops.api.app import create_app
from ragops.config import Settings
from ragops.runtime import Runtime
from tests.api.test_auth import keyed_settings, new_key
from tests.conftest import ARXIV_SAMPLE, ingest_into

FIRST = "What is FAIR-RAG and how does it handle complex multi-hop questions?"
FOLLOW_UP = "What about evaluation - which benchmarks?"
FAIR_RAG_ID = "2510.22344"


def extractive(settings: Settings, collection: str) -> Settings:
    """The default answer mode (no LLM): a conversation of several turns in well under a second each."""
    answer = settings.answer.model_copy(update={"mode": "extractive"})
    return settings.model_copy(update={"answer": answer, "collection": collection})


@pytest.fixture(scope="module")
def client(runtime: Runtime, sample_collection: str) -> Iterator[TestClient]:
    with TestClient(create_app(extractive(runtime.settings, sample_collection), runtime)) as opened:
        yield opened


def sse_events(body: str) -> list[tuple[str, dict[str, object]]]:
    events = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_a_conversation_answers_follow_ups_with_its_history_and_keeps_them(client: TestClient) -> None:
    created = client.post("/v1/conversations", json={})
    assert created.status_code == 201
    conversation = created.json()
    url = f"/v1/conversations/{conversation['id']}"

    first = client.post(f"{url}/messages", json={"question": FIRST}).json()
    follow_up = client.post(f"{url}/messages", json={"question": FOLLOW_UP}).json()

    assert first["condense_strategy"] is None and first["standalone_query"] is None  # nothing to condense yet
    assert follow_up["question"] == FOLLOW_UP
    assert follow_up["condense_strategy"] == "rules"
    assert follow_up["standalone_query"].startswith(FOLLOW_UP) and "fair rag" in follow_up["standalone_query"]
    assert FAIR_RAG_ID in [c["source_id"] for c in follow_up["citations"]]
    assert follow_up["request_id"] and follow_up["trace_id"]
    kept = client.get(url).json()
    assert kept["title"] == FIRST[:80]  # named after its first question
    assert [m["role"] for m in kept["messages"]] == ["user", "assistant", "user", "assistant"]
    answer_message = kept["messages"][3]
    assert answer_message["text"] == follow_up["answer"]
    assert answer_message["standalone_query"] == follow_up["standalone_query"]
    assert answer_message["condense_strategy"] == "rules"
    assert answer_message["trace_id"] == follow_up["trace_id"]
    assert answer_message["request_id"] == follow_up["request_id"]
    assert [c["source_id"] for c in answer_message["citations"]] == [c["source_id"] for c in follow_up["citations"]]


def test_a_follow_up_streams_tokens_then_the_same_answer_shape(client: TestClient) -> None:
    url = f"/v1/conversations/{client.post('/v1/conversations', json={'title': 'streamed'}).json()['id']}"
    client.post(f"{url}/messages", json={"question": FIRST})

    response = client.post(f"{url}/messages", json={"question": FOLLOW_UP}, headers={"Accept": "text/event-stream"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert [name for name, _ in events[:-1]] == ["token"] * (len(events) - 1) and events[-1][0] == "answer"
    answer = events[-1][1]
    assert answer["condense_strategy"] == "rules" and answer["citations"]
    assert "".join(str(data["text"]) for _, data in events[:-1]) == answer["answer"]
    kept = client.get(url).json()
    assert kept["title"] == "streamed"  # a given title stays
    assert len(kept["messages"]) == 4 and kept["messages"][3]["request_id"] == answer["request_id"]


def test_list_rename_delete(client: TestClient) -> None:
    made = [client.post("/v1/conversations", json={"title": f"t{n}"}).json()["id"] for n in range(3)]

    renamed = client.patch(f"/v1/conversations/{made[0]}", json={"title": "  renamed  "})
    page = client.get("/v1/conversations", params={"limit": 2}).json()
    deleted = client.delete(f"/v1/conversations/{made[1]}")

    assert renamed.status_code == 200 and renamed.json()["title"] == "renamed"
    assert page["limit"] == 2 and len(page["conversations"]) == 2 and page["total"] >= 3
    assert page["conversations"][0]["id"] == made[0]  # most recently active first
    assert deleted.status_code == 204
    assert client.get(f"/v1/conversations/{made[1]}").status_code == 404
    assert client.delete(f"/v1/conversations/{made[1]}").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/v1/conversations/nope", None),
        ("patch", "/v1/conversations/nope", {"title": "x"}),
        ("delete", "/v1/conversations/nope", None),
        ("post", "/v1/conversations/nope/messages", {"question": FIRST}),
    ],
)
def test_a_bad_id_is_a_404_problem(client: TestClient, method: str, path: str, body: dict[str, str] | None) -> None:
    response = client.request(method, path, json=body)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "GET /v1/conversations" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"question": "   "}, "question is empty"),
        ({"question": "x" * 5000}, "at most"),
        ({}, "question"),
    ],
)
def test_bad_questions_are_422s_that_say_what_to_do(client: TestClient, body: dict[str, str], detail: str) -> None:
    url = f"/v1/conversations/{client.post('/v1/conversations', json={}).json()['id']}/messages"

    response = client.post(url, json=body)

    assert response.status_code == 422
    assert detail in response.json()["detail"]


def test_an_unknown_collection_cannot_start_a_conversation(client: TestClient) -> None:
    response = client.post("/v1/conversations", json={"collection": "no-such-collection"})

    assert response.status_code == 404
    assert "ragops ingest --collection no-such-collection" in response.json()["detail"]


def test_a_conversation_whose_collection_was_deleted_says_what_to_do(
    client: TestClient, runtime: Runtime, collection_name: str, tmp_path: Path
) -> None:
    three = tmp_path / "three.jsonl"
    three.write_text("".join(ARXIV_SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[:3]), encoding="utf-8")
    ingest_into(runtime, collection_name, three)
    url = f"/v1/conversations/{client.post('/v1/conversations', json={'collection': collection_name}).json()['id']}"
    assert client.post(f"{url}/messages", json={"question": "What is this about?"}).status_code == 200
    with runtime.db.connection() as conn:
        conn.execute("DELETE FROM collections WHERE name = %s", (collection_name,))

    response = client.post(f"{url}/messages", json={"question": "And then?"})
    streamed = client.post(f"{url}/messages", json={"question": "And then?"}, headers={"Accept": "text/event-stream"})

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert collection_name in detail and "no longer exists" in detail and "new conversation" in detail
    assert streamed.status_code == 409  # refused before any stream starts
    assert len(client.get(url).json()["messages"]) == 2  # the thread itself can still be read


def test_conversations_are_private_to_the_key_that_made_them(runtime: Runtime, sample_collection: str) -> None:
    (_, alice), (_, bob) = new_key(runtime), new_key(runtime)
    settings = extractive(keyed_settings(runtime), sample_collection)
    as_alice, as_bob = ({"Authorization": f"Bearer {secret}"} for secret in (alice, bob))
    with TestClient(create_app(settings, runtime)) as keyed:
        mine = keyed.post("/v1/conversations", json={"title": "alice's"}, headers=as_alice).json()["id"]
        url = f"/v1/conversations/{mine}"

        assert keyed.get(url, headers=as_alice).status_code == 200
        assert keyed.get("/v1/conversations", headers=as_alice).json()["total"] == 1
        assert keyed.get("/v1/conversations", headers=as_bob).json() == {
            "conversations": [], "total": 0, "limit": 20, "offset": 0
        }  # fmt: skip
        for method, path, body in (
            ("get", url, None),
            ("patch", url, {"title": "bob's now"}),
            ("post", f"{url}/messages", {"question": FIRST}),
            ("delete", url, None),
        ):
            response = keyed.request(method, path, json=body, headers=as_bob)
            assert response.status_code == 404, (method, response.text)  # not 403: existence is not revealed
        assert keyed.get(url).status_code == 401
        assert keyed.get(url, headers=as_alice).json()["title"] == "alice's"


def test_openapi_documents_the_routes_and_their_bodies(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]

    assert {"get", "post"} <= paths["/v1/conversations"].keys()
    assert {"get", "patch", "delete"} <= paths["/v1/conversations/{conversation_id}"].keys()
    ask = paths["/v1/conversations/{conversation_id}/messages"]["post"]
    assert ask["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AnswerResponse")
    assert "text/event-stream" in ask["responses"]["200"]["content"]
    assert "application/problem+json" in ask["responses"]["409"]["content"]
    detail = paths["/v1/conversations/{conversation_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert detail["schema"]["$ref"].endswith("/ConversationDetailResponse")
    assert {"standalone_query", "condense_strategy"} <= spec["components"]["schemas"]["AnswerResponse"][
        "properties"
    ].keys()
