"""The fallback chain: a provider failing before its first token hands the request to the next one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ragops.config import OllamaChatSettings, OpenAIChatSettings, RetrySettings
from ragops.errors import ProviderTimeout, ProviderUnavailable
from ragops.providers.base import ChatMessage, Completion, TextDelta
from ragops.providers.fallback import FallbackChatModel
from ragops.providers.llama_cpp import LlamaCppChatModel
from ragops.providers.ollama import OllamaChatModel
from ragops.providers.openai_compatible import OpenAIChatModel
from tests.fakes.http_server import Fault, closed_port_url
from tests.fakes.ollama import FakeOllama
from tests.fakes.openai import FakeOpenAI

NO_RETRY = RetrySettings(max_attempts=1)
QUESTION = [ChatMessage("user", "which index does pgvector offer")]


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


@pytest.fixture
def openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def ollama_chat(url: str, timeout_s: float = 5.0) -> OllamaChatModel:
    return OllamaChatModel(
        OllamaChatSettings(kind="ollama", base_url=url, model="llama3.2:1b", timeout_s=timeout_s, retry=NO_RETRY)
    )


def openai_chat(base_url: str) -> OpenAIChatModel:
    return OpenAIChatModel(OpenAIChatSettings(kind="openai", base_url=base_url, model="gpt-test", retry=NO_RETRY))


def final(events: list[object]) -> Completion:
    assert isinstance(events[-1], Completion)
    return events[-1]


def test_an_outage_before_the_first_token_falls_back(openai: FakeOpenAI) -> None:
    chain = FallbackChatModel([ollama_chat(closed_port_url()), openai_chat(openai.base_url)])
    assert chain.complete(QUESTION, max_tokens=8, temperature=0.0).model_id == "openai/gpt-test"
    events = list(chain.stream(QUESTION, max_tokens=8, temperature=0.0))
    assert final(events).provider == "openai" and any(isinstance(e, TextDelta) for e in events)


def test_a_timeout_falls_back(ollama: FakeOllama, openai: FakeOpenAI) -> None:
    ollama.fail_next(Fault(delay_s=1.0))
    chain = FallbackChatModel([ollama_chat(ollama.url, timeout_s=0.3), openai_chat(openai.base_url)])
    assert final(list(chain.stream(QUESTION, max_tokens=8, temperature=0.0))).provider == "openai"


def test_a_failure_after_output_is_not_hidden(ollama: FakeOllama, openai: FakeOpenAI) -> None:
    # given: the first provider streams two words, then its connection drops
    ollama.fail_next(Fault(die_after_chunks=2))
    chain = FallbackChatModel([ollama_chat(ollama.url), openai_chat(openai.base_url)])
    # when / then: the user already saw text from Ollama, so no other model may continue it
    with pytest.raises(ProviderUnavailable):
        list(chain.stream(QUESTION, max_tokens=8, temperature=0.0))
    assert openai.model_requests("/v1/chat/completions") == []


def test_when_every_provider_fails_each_reason_is_reported(ollama: FakeOllama) -> None:
    ollama.fail_next(Fault(delay_s=1.0))
    chain = FallbackChatModel([ollama_chat(closed_port_url()), ollama_chat(ollama.url, timeout_s=0.3)])
    with pytest.raises(ProviderTimeout, match=r"every chat provider failed: \[1\] .*ollama serve.*\[2\] .*0\.3 s"):
        chain.complete(QUESTION, max_tokens=8, temperature=0.0)


def test_the_chain_fits_prompts_to_its_smallest_window(ollama: FakeOllama, openai: FakeOpenAI) -> None:
    small = OllamaChatModel(OllamaChatSettings(kind="ollama", base_url=ollama.url, model="m", context_window=1024))
    chain = FallbackChatModel([small, openai_chat(openai.base_url)])
    assert chain.context_window == 1024


@pytest.mark.slow
def test_the_local_gguf_answers_when_the_remote_providers_are_down(local_llm: LlamaCppChatModel) -> None:
    chain = FallbackChatModel([ollama_chat(closed_port_url()), openai_chat(closed_port_url() + "/v1"), local_llm])
    events = list(chain.stream(QUESTION, max_tokens=12, temperature=0.0))
    completion = final(events)
    assert completion.provider == "llama_cpp" and completion.completion_tokens > 0
    assert "".join(e.text for e in events if isinstance(e, TextDelta)).strip() == completion.text
