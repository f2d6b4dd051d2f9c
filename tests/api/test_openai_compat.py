"""The real `openai` SDK against ragops served by uvicorn: cited answers, streamed and not."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.api.conftest import LiveServer

QUESTION = "What is retrieval-augmented generation?"


@pytest.fixture
def sdk(live_server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live_server.base_url}/v1", api_key="unused-on-loopback", max_retries=0)


def test_models_lists_the_default_and_one_model_per_collection(sdk: openai.OpenAI, live_server: LiveServer) -> None:
    ids = {model.id for model in sdk.models.list()}

    assert "ragops" in ids
    assert f"ragops/{live_server.collection}" in ids


def test_chat_completion_is_a_cited_rag_answer(sdk: openai.OpenAI, live_server: LiveServer) -> None:
    completion = sdk.chat.completions.create(
        model=f"ragops/{live_server.collection}",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}],
        temperature=0.2,
    )

    message = completion.choices[0].message
    assert message.role == "assistant"
    assert completion.choices[0].finish_reason == "stop"
    assert "\n\nSources:\n[" in (message.content or "")
    assert "https://arxiv.org/abs/" in (message.content or "")
    citations = (completion.model_extra or {})["citations"]
    assert citations and all(c["uri"].startswith("https://arxiv.org/abs/") for c in citations)


def test_streamed_chat_completion_ends_with_sources_and_citations(sdk: openai.OpenAI) -> None:
    stream = sdk.chat.completions.create(model="ragops", messages=[{"role": "user", "content": QUESTION}], stream=True)

    chunks = list(stream)

    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    content_chunks = [c for c in chunks if c.choices[0].delta.content]
    assert len(content_chunks) >= 3  # tokens arrive one by one, not as one block
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert "Sources:" in text
    assert (chunks[-1].model_extra or {})["citations"]


def test_an_unknown_model_is_a_404_the_sdk_raises(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError, match="ragops/<collection>"):
        sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])


def test_a_conversation_without_a_user_question_is_a_422(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError, match="no text"):
        sdk.chat.completions.create(model="ragops", messages=[{"role": "system", "content": "hi"}])


def test_closing_a_stream_stops_generation_and_frees_the_model(live_server: LiveServer) -> None:
    def cancelled_count(client: httpx.Client) -> float:
        for line in client.get("/metrics").text.splitlines():
            if line.startswith("ragops_generations_cancelled_total "):
                return float(line.split()[1])
        raise AssertionError("metric missing")

    with httpx.Client(base_url=live_server.base_url, timeout=120) as client:
        before = cancelled_count(client)
        with client.stream("POST", "/v1/query/stream", json={"question": QUESTION}) as response:
            lines = response.iter_lines()
            assert next(line for line in lines if line.startswith("event: token"))
        # the connection is closed mid-answer: the server notices at its next token

        follow_up = client.post("/v1/query", json={"question": QUESTION, "top_k": 1})  # would hang on a held lock

        assert follow_up.status_code == 200
        assert cancelled_count(client) == before + 1
