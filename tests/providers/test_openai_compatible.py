"""The OpenAI-compatible provider over real HTTP against a protocol-faithful fake on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from pydantic import SecretStr

from ragops.config import OpenAIChatSettings, OpenAIEmbedderSettings, RetrySettings
from ragops.errors import (
    ModelNotFoundError,
    ProviderRequestError,
    ProviderThrottled,
    ProviderTimeout,
    ProviderUnavailable,
)
from ragops.providers.base import ChatMessage, Completion, TextDelta
from ragops.providers.openai_compatible import OpenAIChatModel, OpenAIEmbedder
from tests.fakes.openai import FakeOpenAI, Fault

FAST_RETRY = RetrySettings(max_attempts=2, base_delay_s=0.01, max_delay_s=0.02)
KEY = "sk-test-123"
QUESTION = [ChatMessage("system", "Be brief."), ChatMessage("user", "name one vector index")]


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as fake:
        yield fake


def chat(
    base_url: str, *, model: str = "gpt-test", api_key: str | None = KEY, timeout_s: float = 5.0
) -> OpenAIChatModel:
    return OpenAIChatModel(
        OpenAIChatSettings(
            kind="openai",
            base_url=base_url,
            model=model,
            api_key=SecretStr(api_key) if api_key else None,
            timeout_s=timeout_s,
            retry=FAST_RETRY,
        )
    )


class TestOpenAIChat:
    def test_complete_sends_the_bearer_key_and_reads_usage(self, server: FakeOpenAI) -> None:
        completion = chat(server.base_url).complete(QUESTION, max_tokens=20, temperature=0.2)
        assert completion.text == "Answer to: name one vector index"
        assert (completion.provider, completion.model_id) == ("openai", "openai/gpt-test")
        assert (completion.prompt_tokens, completion.completion_tokens) == (6, 6)
        sent = server.model_requests("/v1/chat/completions")[0]
        assert sent.headers["authorization"] == f"Bearer {KEY}"
        assert sent.body["max_tokens"] == 20 and sent.body["temperature"] == 0.2 and sent.body["stream"] is False

    def test_stream_parses_sse_and_the_usage_chunk(self, server: FakeOpenAI) -> None:
        events = list(chat(server.base_url).stream(QUESTION, max_tokens=3, temperature=0.0))
        assert [e.text for e in events if isinstance(e, TextDelta)] == ["Answer ", "to: ", "name "]
        final = events[-1]
        assert isinstance(final, Completion)
        assert (final.text, final.finish_reason, final.completion_tokens) == ("Answer to: name", "length", 3)
        assert server.model_requests("/v1/chat/completions")[0].body["stream_options"] == {"include_usage": True}

    def test_a_server_without_usage_gets_estimated_counts(self) -> None:
        with FakeOpenAI(usage=False) as bare:
            final = list(chat(bare.base_url, api_key=None).stream(QUESTION, max_tokens=50, temperature=0.0))[-1]
        assert isinstance(final, Completion)
        assert final.prompt_tokens > 0 and final.completion_tokens > 0

    def test_wrong_key_is_a_request_error_with_the_servers_message(self, server: FakeOpenAI) -> None:
        with pytest.raises(ProviderRequestError, match="401: Incorrect API key provided"):
            chat(server.base_url, api_key="sk-wrong").complete(QUESTION, max_tokens=5, temperature=0.0)
        assert len(server.requests) == 1

    def test_unknown_model(self, server: FakeOpenAI) -> None:
        with pytest.raises(ModelNotFoundError, match="The model `gpt-nope` does not exist"):
            chat(server.base_url, model="gpt-nope").complete(QUESTION, max_tokens=5, temperature=0.0)
        with pytest.raises(ModelNotFoundError, match="it lists: embed-test, gpt-test"):
            chat(server.base_url, model="gpt-nope").check()
        assert "listed" in chat(server.base_url).check()

    def test_throttling_is_retried_then_reported(self, server: FakeOpenAI) -> None:
        server.fail_next(
            Fault(status=429, message="Rate limit reached"), Fault(status=429, message="Rate limit reached")
        )
        with pytest.raises(ProviderThrottled, match="429: Rate limit reached"):
            chat(server.base_url).complete(QUESTION, max_tokens=5, temperature=0.0)
        assert len(server.model_requests("/v1/chat/completions")) == 2  # max_attempts

    def test_slow_stream_trips_the_timeout(self, server: FakeOpenAI) -> None:
        server.fail_next(Fault(delay_s=1.0))
        with pytest.raises(ProviderTimeout):
            list(chat(server.base_url, timeout_s=0.3).stream(QUESTION, max_tokens=5, temperature=0.0))

    def test_stream_cut_before_done(self, server: FakeOpenAI) -> None:
        server.fail_next(Fault(die_after_chunks=4))  # keep-alive, role chunk, two words
        received = []
        with pytest.raises(ProviderUnavailable):
            for event in chat(server.base_url).stream(QUESTION, max_tokens=10, temperature=0.0):
                received.append(event)
        assert [e.text for e in received if isinstance(e, TextDelta)] == ["Answer ", "to: "]


class TestOpenAIEmbedder:
    def test_requests_dimensions_and_orders_rows_by_index(self, server: FakeOpenAI) -> None:
        embedder = OpenAIEmbedder(
            OpenAIEmbedderSettings(
                kind="openai", base_url=server.base_url, model="embed-test", api_key=SecretStr(KEY), dimensions=5
            )
        )
        matrix = embedder.embed_documents(["first", "second", "third"])
        assert matrix.shape == (3, 5) and embedder.dimension == 5
        np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), 1.0, rtol=1e-5)
        # the fake answers rows in reverse; each row must still belong to its text
        np.testing.assert_allclose(embedder.embed_query("third"), matrix[2], rtol=1e-5)
        assert server.model_requests("/v1/embeddings")[0].body["dimensions"] == 5
