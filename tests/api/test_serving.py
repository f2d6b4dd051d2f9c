"""The serving routes over the real runtime: retrieve, SSE, documents and jobs, feedback, metrics, limits."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragops.api.app import create_app
from ragops.runtime import Runtime
from tests.api.conftest import short_answers
from tests.ingest.test_upload_sources import make_pdf

QUESTION = "What is retrieval-augmented generation?"


@pytest.fixture(scope="module")
def client(runtime: Runtime, sample_collection: str) -> Iterator[TestClient]:
    server = runtime.settings.server.model_copy(update={"max_body_bytes": 64 * 1024})
    settings = short_answers(runtime.settings.model_copy(update={"collection": sample_collection, "server": server}))
    with TestClient(create_app(settings, runtime)) as test_client:
        yield test_client


def sse_events(body: str) -> list[tuple[str, Any]]:
    events = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines.get("event", "message"), json.loads(lines["data"])))
    return events


def wait_for_job(client: TestClient, job_id: int, timeout_s: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("completed", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s} s")


def test_retrieve_returns_ranked_passages_without_generating(client: TestClient) -> None:
    response = client.post("/v1/retrieve", json={"question": QUESTION, "top_k": 5, "mode": "hybrid"})

    assert response.status_code == 200
    body = response.json()
    assert [p["rank"] for p in body["passages"]] == [1, 2, 3, 4, 5]
    scores = [p["score"] for p in body["passages"]]
    assert scores == sorted(scores, reverse=True)
    assert "generate" not in body["timings_ms"]
    assert any("retrieval" in p["text"].lower() for p in body["passages"])


def test_query_stream_sends_tokens_then_the_cited_answer(client: TestClient) -> None:
    with client.stream("POST", "/v1/query/stream", json={"question": QUESTION, "top_k": 2}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.read().decode())

    kinds = [kind for kind, _ in events]
    assert kinds.count("token") >= 2
    assert kinds[-1] == "answer" and kinds.count("answer") == 1
    tokens = "".join(payload["text"] for kind, payload in events if kind == "token")
    answer = events[-1][1]
    assert answer["citations"] and answer["citations"][0]["uri"].startswith("https://arxiv.org/abs/")
    assert answer["request_id"] and answer["trace_id"]
    assert answer["answer"].strip()
    if answer["answered_by"] == "generative":  # the final text is the streamed text, cleaned and attributed
        assert answer["answer"].split()[0] in tokens
    else:  # the model's reply was unusable: the extractive answer that replaced it is streamed last
        assert tokens.endswith(answer["answer"])


def test_query_stream_of_an_unknown_collection_is_a_404_before_streaming(client: TestClient) -> None:
    response = client.post("/v1/query/stream", json={"question": QUESTION, "collection": "nope"})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_feedback_is_stored_with_its_request_id(client: TestClient, runtime: Runtime) -> None:
    response = client.post(
        "/v1/feedback", json={"request_id": "req-123", "trace_id": "trace-9", "rating": -1, "comment": "wrong year"}
    )

    assert response.status_code == 201
    with runtime.db.connection() as conn:
        row = conn.execute(
            "SELECT trace_id, request_id, rating, comment FROM feedback WHERE id = %s", (response.json()["id"],)
        ).fetchone()
    assert row == ("trace-9", "req-123", -1, "wrong year")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"rating": 1}, "trace_id or request_id"),
        ({"request_id": "r", "rating": 5}, "rating"),
        ({"request_id": "r", "rating": 1, "comment": "x" * 5000}, "comment"),
    ],
)
def test_bad_feedback_is_a_422_problem(client: TestClient, body: dict[str, object], expected: str) -> None:
    response = client.post("/v1/feedback", json=body)

    assert response.status_code == 422
    assert expected in response.json()["detail"]


def test_an_oversized_body_is_refused_with_413_problem_details(client: TestClient) -> None:
    response = client.post("/v1/query", json={"question": "x" * 70_000})

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "larger than 65536 bytes" in response.json()["detail"]


def test_an_oversized_chunked_body_is_refused_too(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: only counting the received bytes can catch it
        yield b'{"question": "'
        for _ in range(20):
            yield b"x" * 8192
        yield b'"}'

    response = client.post("/v1/query", content=chunks(), headers={"content-type": "application/json"})

    assert response.status_code == 413


def test_metrics_count_requests_by_route_template_and_status(client: TestClient) -> None:
    client.get("/v1/jobs/999999999")
    client.get("/healthz")

    metrics = client.get("/metrics")

    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'ragops_http_requests_total{method="GET",route="/v1/jobs/{job_id}",status="404"} 1.0' in text
    assert 'ragops_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz"' in text


def test_uploads_of_unsupported_types_are_a_415(client: TestClient) -> None:
    response = client.post("/v1/documents", files={"file": ("photo.png", b"\x89PNG", "image/png")})

    assert response.status_code == 415
    assert ".pdf" in response.json()["detail"]


def test_an_unreadable_upload_fails_its_job_with_the_reason(client: TestClient, collection_name: str) -> None:
    upload = {"file": ("scan.pdf", make_pdf(), "application/pdf")}
    response = client.post("/v1/documents", files=upload, data={"collection": collection_name})
    assert response.status_code == 202

    job = wait_for_job(client, response.json()["id"])

    assert job["status"] == "failed"
    assert "no text layer" in job["error"]


def test_an_uploaded_pdf_becomes_answerable_and_deleting_it_removes_it(
    client: TestClient, collection_name: str
) -> None:
    # given: a PDF with a fact no model knows, uploaded into a new collection
    pdf = make_pdf(
        "The Vellichor observatory on Mount Tarrin was founded in 1887 by the astronomer Ilse Varga.",
        "Its main instrument is a 40-inch refractor named Lantern, used to study variable stars.",
        title="The Vellichor observatory",
    )
    response = client.post(
        "/v1/documents", files={"file": ("vellichor.pdf", pdf, "application/pdf")}, data={"collection": collection_name}
    )
    assert response.status_code == 202
    assert response.json()["status"] == "queued"

    # when the job completes
    job = wait_for_job(client, response.json()["id"])
    assert job["status"] == "completed", job["error"]
    assert job["documents_done"] == job["documents_total"] == 1
    assert job["chunks_written"] >= 1
    document_id = job["document_id"]

    # then it is listed, described and cited
    listed = client.get("/v1/documents", params={"collection": collection_name, "source": "upload"}).json()
    assert listed["total"] == 1 and listed["documents"][0]["id"] == document_id
    assert client.get(f"/v1/documents/{document_id}").json()["title"] == "The Vellichor observatory"
    collections = {c["name"]: c for c in client.get("/v1/collections").json()}
    assert collections[collection_name]["documents"] == 1
    question = {"question": "Who founded the Vellichor observatory?", "collection": collection_name}
    answered = client.post("/v1/query", json=question).json()
    assert answered["is_refusal"] is False
    assert [c["document_id"] for c in answered["citations"]] == [document_id]

    # and after deleting it, it is gone from listings and answers
    assert client.delete(f"/v1/documents/{document_id}").status_code == 204
    assert client.get(f"/v1/documents/{document_id}").status_code == 404
    assert client.delete(f"/v1/documents/{document_id}").status_code == 404
    after = client.post("/v1/query", json=question).json()
    assert after["citations"] == []
    assert after["is_refusal"] is True


def test_document_listing_is_paginated_and_filtered(client: TestClient, sample_collection: str) -> None:
    first = client.get("/v1/documents", params={"collection": sample_collection, "limit": 2}).json()
    second = client.get("/v1/documents", params={"collection": sample_collection, "limit": 2, "offset": 2}).json()

    assert first["total"] == second["total"] == 120
    assert len(first["documents"]) == 2
    assert {d["id"] for d in first["documents"]}.isdisjoint(d["id"] for d in second["documents"])
    assert all(d["source"] == "arxiv" and d["chunks"] >= 1 for d in first["documents"])
    assert client.get("/v1/documents", params={"limit": 1000}).status_code == 422


def test_the_openapi_schema_lists_every_route_with_problem_responses(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()

    for path in ("/v1/query/stream", "/v1/retrieve", "/v1/documents", "/v1/jobs/{job_id}", "/v1/feedback",
                 "/v1/chat/completions", "/v1/models", "/v1/collections", "/metrics"):  # fmt: skip
        assert path in schema["paths"], path
    upload = schema["paths"]["/v1/documents"]["post"]
    assert {"202", "413", "415", "422"} <= set(upload["responses"])
    assert "multipart/form-data" in upload["requestBody"]["content"]
