"""The HTTP API over the real runtime (shared with the rest of the session)."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ragops.api.app import create_app
from ragops.runtime import Runtime


@pytest.fixture(scope="module")
def client(runtime: Runtime, sample_collection: str) -> Iterator[TestClient]:
    settings = runtime.settings.model_copy(update={"collection": sample_collection})
    with TestClient(create_app(settings, runtime)) as test_client:
        yield test_client


def assert_problem(response_json: dict[str, object], status: int) -> None:
    assert response_json["status"] == status
    assert response_json["title"]
    assert response_json["detail"]


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_checks_database_and_models(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["llm"].endswith(".gguf")


def test_query_returns_an_answer_with_citations(client: TestClient, sample_collection: str) -> None:
    response = client.post("/v1/query", json={"question": "What is retrieval-augmented generation?", "top_k": 3})

    assert response.status_code == 200
    body = response.json()
    assert body["answer"]
    assert body["collection"] == sample_collection
    assert 1 <= len(body["citations"]) <= 3
    assert all(c["uri"].startswith("https://arxiv.org/abs/") for c in body["citations"])
    assert body["timings_ms"]["generate"] > 0
    assert body["is_refusal"] is False
    assert len(body["trace_id"]) == 32


def test_query_with_filters_and_mode(client: TestClient) -> None:
    response = client.post(
        "/v1/query",
        json={
            "question": "retrieval for visually rich documents",
            "mode": "keyword",
            "filters": {"categories": ["cs.IR"], "published_from": "2025-01-01"},
        },
    )
    assert response.status_code == 200
    assert response.json()["retrieval_mode"] == "keyword"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": "   "}, "question"),
        ({"question": ""}, "question"),
        ({"question": "ok", "top_k": 0}, "top_k"),
        ({"question": "ok", "top_k": 1000}, "top_k"),
        ({"question": "ok", "mode": "psychic"}, "mode"),
        ({"question": "ok", "unknown": 1}, "unknown"),
        ({}, "question"),
    ],
)
def test_bad_requests_get_problem_details(client: TestClient, body: dict[str, object], field: str) -> None:
    response = client.post("/v1/query", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert_problem(problem, 422)
    assert field in str(problem["detail"])


def test_a_question_over_the_configured_limit_is_a_422_naming_it(runtime: Runtime, sample_collection: str) -> None:
    # given: a server that takes questions of at most 20 characters
    server = runtime.settings.server.model_copy(update={"max_question_chars": 20})
    settings = runtime.settings.model_copy(update={"collection": sample_collection, "server": server})
    with TestClient(create_app(settings, runtime)) as small:
        # when
        at_limit = small.post("/v1/retrieve", json={"question": "x" * 20})
        over = [small.post(path, json={"question": "x" * 21}) for path in ("/v1/query", "/v1/retrieve")]
        messages = [{"role": "user", "content": "x" * 21}]
        chat = small.post("/v1/chat/completions", json={"model": "ragops", "messages": messages})
    # then
    assert at_limit.status_code == 200
    for response in over:
        assert response.status_code == 422
        assert response.json()["detail"] == "question: String should have at most 20 characters"
    assert chat.status_code == 422 and "more than 20" in chat.json()["detail"]


def test_malformed_json_is_a_422_not_a_500(client: TestClient) -> None:
    response = client.post("/v1/query", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_an_unknown_collection_is_a_404(client: TestClient) -> None:
    response = client.post("/v1/query", json={"question": "anything", "collection": "nope"})
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_the_openapi_schema_documents_the_query_route(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    query = schema["paths"]["/v1/query"]["post"]
    assert "200" in query["responses"] and "422" in query["responses"]
    assert "QueryRequest" in schema["components"]["schemas"]
