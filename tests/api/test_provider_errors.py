"""Provider failures reach HTTP clients as problem details with the right status code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from ragops.api.app import create_app
from ragops.config import OllamaChatSettings, RetrySettings
from ragops.providers.ollama import OllamaChatModel
from ragops.runtime import Runtime
from tests.fakes.http_server import closed_port_url
from tests.fakes.ollama import FakeOllama, Fault

QUESTION = "What is retrieval-augmented generation?"
NO_RETRY = RetrySettings(max_attempts=1)


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


def ask(
    runtime: Runtime, collection: str, llm: OllamaChatModel, *, fallback: bool = False
) -> tuple[int, dict[str, object]]:
    served = replace(runtime, llm=llm)
    answering = runtime.settings.answer.model_copy(update={"fallback_to_extractive": fallback, "mode": "generative"})
    settings = runtime.settings.model_copy(update={"answer": answering})
    with TestClient(create_app(settings, runtime=served)) as client:
        response = client.post("/v1/query", json={"question": QUESTION, "collection": collection})
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("fault", "model", "timeout_s", "status", "detail"),
    [
        (None, "llama3.2:1b", 5.0, 200, None),
        (Fault(status=500, message="out of memory"), "llama3.2:1b", 5.0, 503, "out of memory"),
        (Fault(delay_s=1.0), "llama3.2:1b", 0.3, 504, "did not answer within"),
        (None, "mistral", 5.0, 502, "ollama pull mistral"),
    ],
    ids=["ok", "server-error-503", "timeout-504", "model-not-pulled-502"],
)
def test_status_codes(
    runtime: Runtime,
    sample_collection: str,
    ollama: FakeOllama,
    fault: Fault | None,
    model: str,
    timeout_s: float,
    status: int,
    detail: str | None,
) -> None:
    if fault is not None:
        ollama.fail_next(fault)
    llm = OllamaChatModel(
        OllamaChatSettings(kind="ollama", base_url=ollama.url, model=model, timeout_s=timeout_s, retry=NO_RETRY)
    )
    code, body = ask(runtime, sample_collection, llm)
    assert code == status
    if detail is None:
        assert body["models"] == {"embedder": runtime.embedder.model_id, "llm": "ollama/llama3.2:1b"}
    else:
        assert body["status"] == status and detail in str(body["detail"])


def test_unreachable_provider_is_503(runtime: Runtime, sample_collection: str) -> None:
    llm = OllamaChatModel(OllamaChatSettings(kind="ollama", base_url=closed_port_url(), model="m", retry=NO_RETRY))
    code, body = ask(runtime, sample_collection, llm)
    assert code == 503 and "ollama serve" in str(body["detail"])


def test_with_the_fallback_a_failing_provider_gets_an_extractive_answer(
    runtime: Runtime, sample_collection: str
) -> None:
    llm = OllamaChatModel(OllamaChatSettings(kind="ollama", base_url=closed_port_url(), model="m", retry=NO_RETRY))
    code, body = ask(runtime, sample_collection, llm, fallback=True)
    assert code == 200
    assert body["answered_by"] == "extractive (fallback)" and body["models"]["llm"] == "none"
    assert body["attributions"] and all(a["citation"] for a in body["attributions"])
    assert "[1]" in str(body["answer"]) or "[2]" in str(body["answer"])
