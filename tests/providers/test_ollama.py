"""The Ollama provider over real HTTP against a protocol-faithful fake on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from ragops.config import OllamaChatSettings, OllamaEmbedderSettings, RetrySettings
from ragops.errors import ModelNotFoundError, ProviderRequestError, ProviderTimeout, ProviderUnavailable
from ragops.providers.base import ChatMessage, Completion, TextDelta
from ragops.providers.ollama import OllamaChatModel, OllamaEmbedder
from tests.fakes.http_server import closed_port_url
from tests.fakes.ollama import EMBED_DIMENSION, FakeOllama, Fault

FAST_RETRY = RetrySettings(max_attempts=3, base_delay_s=0.01, max_delay_s=0.02)
QUESTION = [ChatMessage("system", "Be brief."), ChatMessage("user", "what is retrieval augmented generation")]


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


def chat(server_url: str, model: str = "llama3.2:1b", timeout_s: float = 5.0) -> OllamaChatModel:
    return OllamaChatModel(
        OllamaChatSettings(kind="ollama", base_url=server_url, model=model, timeout_s=timeout_s, retry=FAST_RETRY)
    )


class TestOllamaChat:
    def test_complete_returns_text_usage_and_ids(self, ollama: FakeOllama) -> None:
        # when
        completion = chat(ollama.url).complete(QUESTION, max_tokens=50, temperature=0.0)
        # then
        assert completion.text == "Answer to: what is retrieval augmented generation"
        assert (completion.provider, completion.model_id) == ("ollama", "ollama/llama3.2:1b")
        assert completion.prompt_tokens == 7 and completion.completion_tokens == 7
        assert completion.finish_reason == "stop" and completion.latency_ms > 0
        sent = ollama.model_requests("/api/chat")[0].body
        assert sent["stream"] is False
        assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
        assert sent["options"] == {"num_predict": 50, "temperature": 0.0, "num_ctx": 4096}

    def test_stream_yields_deltas_in_order_then_the_completion(self, ollama: FakeOllama) -> None:
        # when
        events = list(chat(ollama.url).stream(QUESTION, max_tokens=4, temperature=0.0))
        # then
        deltas = [e.text for e in events if isinstance(e, TextDelta)]
        assert deltas == ["Answer ", "to: ", "what ", "is "]
        assert isinstance(events[-1], Completion) and events[-1].text == "Answer to: what is"
        assert events[-1].finish_reason == "length" and events[-1].completion_tokens == 4
        assert ollama.model_requests("/api/chat")[0].body["stream"] is True

    def test_model_not_pulled_names_the_pull_command(self, ollama: FakeOllama) -> None:
        model = chat(ollama.url, model="mistral")
        with pytest.raises(ModelNotFoundError, match="ollama pull mistral"):
            model.complete(QUESTION, max_tokens=5, temperature=0.0)
        with pytest.raises(ModelNotFoundError, match="ollama pull mistral"):
            model.check()

    def test_check_accepts_the_implicit_latest_tag(self, ollama: FakeOllama) -> None:
        assert "pulled" in chat(ollama.url, model="llama3.2:1b").check()
        assert (
            "pulled"
            in OllamaEmbedder(
                OllamaEmbedderSettings(kind="ollama", base_url=ollama.url, model="nomic-embed-text")
            ).check()
        )

    def test_server_errors_are_retried_until_one_succeeds(self, ollama: FakeOllama) -> None:
        # given
        ollama.fail_next(Fault(status=500), Fault(status=503))
        # when
        completion = chat(ollama.url).complete(QUESTION, max_tokens=5, temperature=0.0)
        # then
        assert completion.text.startswith("Answer")
        assert len(ollama.model_requests("/api/chat")) == 3

    def test_retries_are_bounded(self, ollama: FakeOllama) -> None:
        ollama.fail_next(*[Fault(status=500, message="boom")] * 3)
        with pytest.raises(ProviderUnavailable, match="answered 500: boom"):
            chat(ollama.url).complete(QUESTION, max_tokens=5, temperature=0.0)
        assert len(ollama.model_requests("/api/chat")) == 3

    def test_a_validation_error_is_not_retried(self, ollama: FakeOllama) -> None:
        ollama.fail_next(Fault(status=400, message="invalid options"))
        with pytest.raises(ProviderRequestError, match="invalid options"):
            chat(ollama.url).complete(QUESTION, max_tokens=5, temperature=0.0)
        assert len(ollama.model_requests("/api/chat")) == 1

    def test_a_stream_failing_before_output_is_retried(self, ollama: FakeOllama) -> None:
        ollama.fail_next(Fault(status=502))
        events = list(chat(ollama.url).stream(QUESTION, max_tokens=3, temperature=0.0))
        assert isinstance(events[-1], Completion) and events[-1].text == "Answer to: what"
        assert len(ollama.model_requests("/api/chat")) == 2

    def test_slow_server_trips_the_timeout(self, ollama: FakeOllama) -> None:
        ollama.fail_next(Fault(delay_s=1.0))
        with pytest.raises(ProviderTimeout, match=r"did not answer within 0\.3 s"):
            chat(ollama.url, timeout_s=0.3).complete(QUESTION, max_tokens=5, temperature=0.0)

    def test_server_dying_mid_stream_raises_after_the_partial_output(self, ollama: FakeOllama) -> None:
        # given: two chunks arrive, then the connection drops
        ollama.fail_next(Fault(die_after_chunks=2))
        received: list[str] = []
        # when / then
        with pytest.raises(ProviderUnavailable):
            for event in chat(ollama.url).stream(QUESTION, max_tokens=10, temperature=0.0):
                if isinstance(event, TextDelta):
                    received.append(event.text)
        assert received == ["Answer ", "to: "]
        assert len(ollama.model_requests("/api/chat")) == 1  # output was already given: no retry

    def test_unreachable_server_says_what_to_check(self) -> None:
        with pytest.raises(ProviderUnavailable, match="is `ollama serve` running"):
            chat(closed_port_url()).complete(QUESTION, max_tokens=5, temperature=0.0)


class TestOllamaEmbedder:
    def test_embeds_in_batches_as_unit_vectors(self, ollama: FakeOllama) -> None:
        # given
        embedder = OllamaEmbedder(
            OllamaEmbedderSettings(kind="ollama", base_url=ollama.url, model="nomic-embed-text", batch_size=2)
        )
        texts = ["alpha", "beta", "gamma"]
        # when
        matrix = embedder.embed_documents(texts)
        # then
        assert matrix.shape == (3, EMBED_DIMENSION) and matrix.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), 1.0, rtol=1e-5)
        assert [len(r.body["input"]) for r in ollama.model_requests("/api/embed")] == [2, 1]
        np.testing.assert_allclose(embedder.embed_query("beta"), matrix[1], rtol=1e-5)
        assert embedder.model_id == "ollama/nomic-embed-text" and embedder.dimension == EMBED_DIMENSION

    def test_token_spans_are_words_and_marks(self, ollama: FakeOllama) -> None:
        embedder = OllamaEmbedder(OllamaEmbedderSettings(kind="ollama", base_url=ollama.url, model="nomic-embed-text"))
        text = "RAG, in short."
        assert [text[a:b] for a, b in embedder.token_spans(text)] == ["RAG", ",", "in", "short", "."]
        assert ollama.requests == []  # no network needed to chunk
