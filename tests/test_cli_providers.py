"""`ragops models list|test` and `ragops ask --stream`, run through the real CLI; profiles pick the providers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ragops.cli import app
from ragops.config import Settings, load_settings
from ragops.providers.bedrock import BedrockChatModel, BedrockEmbedder
from ragops.providers.fallback import FallbackChatModel
from ragops.providers.llama_cpp import LlamaCppChatModel
from ragops.providers.ollama import OllamaChatModel
from ragops.providers.registry import build_chat_model, build_embedder
from tests.fakes.ollama import FakeOllama
from tests.fakes.openai import FakeOpenAI

CONFS = Path(__file__).parents[1] / "confs"


@pytest.fixture
def fakes() -> Iterator[tuple[FakeOllama, FakeOpenAI]]:
    with FakeOllama() as ollama, FakeOpenAI() as openai:
        yield ollama, openai


def run(config: dict[str, object], tmp_path: Path, *args: str) -> tuple[int, str]:
    path = tmp_path / "ragops.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    # A wide console keeps rich from wrapping the table cells the assertions look for.
    result = CliRunner().invoke(app, list(args), env={"RAGOPS_CONFIG": str(path), "COLUMNS": "400"})
    return result.exit_code, result.output


def remote_config(ollama: FakeOllama, openai: FakeOpenAI, chat_model: str = "llama3.2:1b") -> dict[str, object]:
    return {
        "embedder": {"kind": "ollama", "base_url": ollama.url, "model": "nomic-embed-text"},
        "llm": {
            "providers": [
                {"kind": "ollama", "base_url": ollama.url, "model": chat_model, "retry": {"max_attempts": 1}},
                {"kind": "openai", "base_url": openai.base_url, "model": "gpt-test"},
            ]
        },
    }


def test_models_list_reports_each_provider(fakes: tuple[FakeOllama, FakeOpenAI], tmp_path: Path) -> None:
    ollama, openai = fakes
    code, output = run(remote_config(ollama, openai, chat_model="mistral"), tmp_path, "models", "list")
    assert code == 1, output  # one provider is not usable
    assert "run `ollama pull mistral`" in output
    assert "nomic-embed-text pulled" in output and "gpt-test listed" in output
    assert ollama.model_requests("/api/chat") == [] and ollama.model_requests("/api/embed") == []  # no model calls


def test_models_test_calls_every_provider(fakes: tuple[FakeOllama, FakeOpenAI], tmp_path: Path) -> None:
    ollama, openai = fakes
    code, output = run(remote_config(ollama, openai), tmp_path, "models", "test")
    assert code == 0, output
    assert output.count(" ok ") == 3 and "8-dimension unit vector" in output
    assert ollama.model_requests("/api/chat")[0].body["stream"] is True
    assert openai.model_requests("/v1/chat/completions")[0].body["stream"] is True


def test_ask_stream_prints_the_answer_and_its_sources(
    settings: Settings, sample_collection: str, fakes: tuple[FakeOllama, FakeOpenAI], tmp_path: Path
) -> None:
    # given: the session's database, and a chain whose first provider is down
    ollama, _ = fakes
    config = {
        "home": str(settings.home),
        "answer": {"mode": "generative"},
        "llm": {
            "providers": [
                {"kind": "ollama", "base_url": ollama.url, "model": "not-pulled", "retry": {"max_attempts": 1}},
                {"kind": "ollama", "base_url": ollama.url, "model": "llama3.2:1b"},
            ]
        },
    }
    # when
    code, output = run(config, tmp_path, "ask", "--stream", "--collection", sample_collection, "What is RAG?")
    # then
    assert code == 0, output
    assert "Answer to:" in output and "[1]" in output and "ollama/llama3.2:1b" in output


def test_ask_rejects_stream_with_json(tmp_path: Path) -> None:
    code, output = run({}, tmp_path, "ask", "--stream", "--json", "What is RAG?")
    assert code == 1 and "do not combine" in output


def test_the_profile_alone_switches_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: test credentials, so that building AWS clients reads no real ones (building calls nothing)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    dev = load_settings("dev", confs_dir=CONFS)
    prod = load_settings("prod", confs_dir=CONFS)
    # when
    chain = build_chat_model(prod.llm)
    # then
    assert [p.kind for p in dev.llm.providers] == ["llama_cpp"] and dev.embedder.kind == "sentence_transformers"
    assert isinstance(chain, FallbackChatModel)
    assert [type(m) for m in chain.models] == [BedrockChatModel, OllamaChatModel, LlamaCppChatModel]
    assert isinstance(build_embedder(prod.embedder), BedrockEmbedder)


def test_api_keys_are_masked_in_config_show(tmp_path: Path) -> None:
    config = {"llm": {"providers": [{"kind": "openai", "model": "gpt-test", "api_key": "sk-live-secret"}]}}
    code, output = run(config, tmp_path, "config", "show")
    assert code == 0, output
    assert "sk-live-secret" not in output and "**********" in output
