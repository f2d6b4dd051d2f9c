"""Hostile characters and numbers are refused at the edge (422 naming the field), and a stream that fails
midway ends with an error event instead of stopping short."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragops.api.app import create_app
from ragops.providers.base import ChatMessage, StreamEvent, TextDelta
from ragops.runtime import Runtime
from tests.fakes.chat import ScriptedChatModel

NUL = "a\x00b"
SURROGATE = "a\ud800b"
TOO_BIG = 2**63


@pytest.fixture(scope="module")
def client(runtime: Runtime, sample_collection: str) -> Iterator[TestClient]:
    settings = runtime.settings.model_copy(update={"collection": sample_collection})
    fast = replace(runtime, llm=ScriptedChatModel(lambda _prompt: "Retrieval helps [1]."))
    with TestClient(create_app(settings, fast), raise_server_exceptions=False) as test_client:
        yield test_client


def _bodies(bad: str) -> list[tuple[str, dict[str, Any], str]]:
    """(path, JSON body, the field the 422 must name) for every string field a client sends."""
    chat = "/v1/chat/completions"
    return [
        ("/v1/query", {"question": bad}, "question"),
        ("/v1/query/stream", {"question": bad}, "question"),
        ("/v1/retrieve", {"question": "ok", "collection": bad}, "collection"),
        ("/v1/query", {"question": "ok", "filters": {"categories": [bad]}}, "categories"),
        ("/v1/query", {"question": "ok", "filters": {"sources": [bad]}}, "sources"),
        (chat, {"model": "ragops", "messages": [{"role": "user", "content": bad}]}, "content"),
        (chat, {"model": "ragops", "stream": True, "messages": [{"role": "user", "content": bad}]}, "content"),
        (chat, {"model": bad, "messages": [{"role": "user", "content": "ok"}]}, "model"),
        (chat, {"model": "ragops", "messages": [{"role": "user", "content": [{"type": "text", "text": bad}]}]}, "text"),
        ("/v1/feedback", {"trace_id": bad, "rating": 1}, "trace_id"),
        ("/v1/feedback", {"request_id": "r", "rating": 1, "comment": bad}, "comment"),
    ]


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "lone-surrogate"])
def test_hostile_characters_in_any_body_field_are_a_422_naming_it(client: TestClient, bad: str) -> None:
    for path, body, field in _bodies(bad):
        # when: sent as JSON escapes (\u0000, \ud800), as a hostile client would
        response = client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
        # then
        assert response.status_code == 422, (path, body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in response.json()["detail"], (path, response.json())


@pytest.mark.parametrize(
    ("method", "url", "field"),
    [
        ("GET", f"/v1/documents?offset={TOO_BIG}", "offset"),
        ("GET", f"/v1/documents/{TOO_BIG}", "document_id"),
        ("DELETE", f"/v1/documents/{TOO_BIG}", "document_id"),
        ("GET", f"/v1/jobs/{TOO_BIG}", "job_id"),
        ("GET", f"/v1/jobs/{-TOO_BIG - 1}", "job_id"),
        ("GET", "/v1/documents?collection=a%00b", "collection"),
        ("GET", "/v1/documents?source=a%00b", "source"),
    ],
)
def test_out_of_range_numbers_and_nul_in_the_url_are_a_422_naming_it(
    client: TestClient, method: str, url: str, field: str
) -> None:
    response = client.request(method, url)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]


def test_a_nul_in_an_uploaded_file_name_is_a_422(client: TestClient, collection_name: str) -> None:
    # given: a raw multipart body (HTTP clients percent-encode a NUL in a file name; a hostile one need not)
    body = (
        b"--b\r\nContent-Disposition: form-data; name=collection\r\n\r\n" + collection_name.encode() + b"\r\n"
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="re\x00port.md"\r\n'
        b"Content-Type: text/markdown\r\n\r\n# Title\r\n--b--\r\n"
    )
    # when
    response = client.post("/v1/documents", content=body, headers={"content-type": "multipart/form-data; boundary=b"})
    # then
    assert response.status_code == 422, response.text
    assert "file" in response.json()["detail"]


def test_the_connection_serves_the_next_request_after_a_hostile_one(client: TestClient) -> None:
    # given: a refused request
    client.post("/v1/query", content=json.dumps({"question": NUL}), headers={"content-type": "application/json"})
    # then: the same client carries on
    assert client.get("/healthz").status_code == 200


class DyingChatModel(ScriptedChatModel):
    """A provider that writes a few words, then fails with an error nobody anticipated."""

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Iterator[StreamEvent]:
        yield TextDelta("Retrieval ")
        raise RuntimeError("the provider's socket broke")


@pytest.fixture(scope="module")
def dying(runtime: Runtime, sample_collection: str) -> Iterator[TestClient]:
    answering = runtime.settings.answer.model_copy(update={"mode": "generative", "fallback_to_extractive": False})
    guardrails = runtime.settings.guardrails.model_copy(update={"output": ()})  # tokens stream as they come
    settings = runtime.settings.model_copy(
        update={"collection": sample_collection, "answer": answering, "guardrails": guardrails}
    )
    served = replace(runtime, llm=DyingChatModel(lambda _prompt: ""))
    with TestClient(create_app(settings, served), raise_server_exceptions=False) as test_client:
        yield test_client


def _events(text: str) -> list[str]:
    return [line.removeprefix("event: ") for line in text.splitlines() if line.startswith("event: ")]


def test_a_query_stream_that_fails_midway_ends_with_an_error_event(dying: TestClient) -> None:
    response = dying.post("/v1/query/stream", json={"question": "What is retrieval-augmented generation?"})
    assert response.status_code == 200
    events = _events(response.text)
    assert events[-1] == "error", response.text
    error = json.loads(response.text.rstrip().splitlines()[-1].removeprefix("data: "))
    assert error["status"] == 500 and "server log" in error["detail"]


def test_a_chat_stream_that_fails_midway_ends_with_an_error_then_done(dying: TestClient) -> None:
    body = {"model": "ragops", "stream": True, "messages": [{"role": "user", "content": "What is RAG?"}]}
    response = dying.post("/v1/chat/completions", json=body)
    data = [line.removeprefix("data: ") for line in response.text.splitlines() if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    assert json.loads(data[-2])["error"]["code"] == 500, response.text
