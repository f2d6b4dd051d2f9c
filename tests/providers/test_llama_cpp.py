"""The local llama.cpp provider with the real SmolLM2 GGUF: template from the file, streaming, serialised callers."""

from __future__ import annotations

import threading

import pytest

from ragops.config import LlamaCppChatSettings
from ragops.errors import ConfigError, ProviderTimeout
from ragops.providers.base import ChatMessage, Completion, TextDelta
from ragops.providers.llama_cpp import LlamaCppChatModel

pytestmark = pytest.mark.slow

QUESTION = [ChatMessage("system", "Answer briefly."), ChatMessage("user", "What is the capital of France?")]


def stream_text(model: LlamaCppChatModel, max_tokens: int = 16) -> tuple[str, Completion]:
    deltas, completion = [], None
    for event in model.stream(QUESTION, max_tokens=max_tokens, temperature=0.0):
        if isinstance(event, TextDelta):
            deltas.append(event.text)
        else:
            completion = event
    assert completion is not None
    return "".join(deltas), completion


def test_stream_deltas_add_up_to_the_completion(local_llm: LlamaCppChatModel) -> None:
    text, completion = stream_text(local_llm)
    assert text.strip() == completion.text and completion.text
    assert completion.provider == "llama_cpp" and completion.model_id.endswith(".gguf")
    assert completion.prompt_tokens > 10 and 0 < completion.completion_tokens <= 17


def test_complete_equals_the_streamed_answer_at_temperature_zero(local_llm: LlamaCppChatModel) -> None:
    _, streamed = stream_text(local_llm)
    assert local_llm.complete(QUESTION, max_tokens=16, temperature=0.0).text == streamed.text


def test_concurrent_callers_take_turns(local_llm: LlamaCppChatModel) -> None:
    # given: the answer one caller gets alone
    expected = stream_text(local_llm)[1].text
    results: list[str] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            results.append(stream_text(local_llm)[1].text)
        except BaseException as exc:  # surfaced below; a thread would swallow it
            errors.append(exc)

    # when: three callers share the one llama.cpp context at once
    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: each got the whole, uncorrupted answer
    assert errors == [] and results == [expected] * 3


def test_an_abandoned_stream_releases_the_model(local_llm: LlamaCppChatModel) -> None:
    events = local_llm.stream(QUESTION, max_tokens=16, temperature=0.0)
    next(events)
    events.close()  # the caller stopped reading after one token
    assert local_llm.complete(QUESTION, max_tokens=4, temperature=0.0).completion_tokens > 0


def test_timeout_between_tokens() -> None:
    model = LlamaCppChatModel(LlamaCppChatSettings(context_window=512, threads=1, timeout_s=0.001))
    with pytest.raises(ProviderTimeout, match="did not finish within"):
        model.complete(QUESTION, max_tokens=64, temperature=0.0)


def test_a_missing_file_is_a_config_error(tmp_path: object) -> None:
    with pytest.raises(ConfigError, match="is not a GGUF file"):
        LlamaCppChatModel(LlamaCppChatSettings(model_path="/nonexistent/model.gguf"))
