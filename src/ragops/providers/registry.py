"""Pick providers by the `kind` in config: a name -> factory table, heavy imports only when chosen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ragops.config import (
    BedrockChatSettings,
    BedrockEmbedderSettings,
    ChatProviderSettings,
    EmbedderSettings,
    LlamaCppChatSettings,
    LLMSettings,
    OllamaChatSettings,
    OllamaEmbedderSettings,
    OpenAIChatSettings,
    OpenAIEmbedderSettings,
    SentenceTransformersEmbedderSettings,
)
from ragops.errors import UnknownProviderError
from ragops.providers.base import ChatModel, Embedder


def _sentence_transformers(settings: SentenceTransformersEmbedderSettings) -> Embedder:
    from ragops.providers.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings)


def _ollama_embedder(settings: OllamaEmbedderSettings) -> Embedder:
    from ragops.providers.ollama import OllamaEmbedder

    return OllamaEmbedder(settings)


def _openai_embedder(settings: OpenAIEmbedderSettings) -> Embedder:
    from ragops.providers.openai_compatible import OpenAIEmbedder

    return OpenAIEmbedder(settings)


def _bedrock_embedder(settings: BedrockEmbedderSettings) -> Embedder:
    from ragops.providers.bedrock import BedrockEmbedder

    return BedrockEmbedder(settings)


def _llama_cpp(settings: LlamaCppChatSettings) -> ChatModel:
    from ragops.providers.llama_cpp import LlamaCppChatModel

    return LlamaCppChatModel(settings)


def _ollama_chat(settings: OllamaChatSettings) -> ChatModel:
    from ragops.providers.ollama import OllamaChatModel

    return OllamaChatModel(settings)


def _openai_chat(settings: OpenAIChatSettings) -> ChatModel:
    from ragops.providers.openai_compatible import OpenAIChatModel

    return OpenAIChatModel(settings)


def _bedrock_chat(settings: BedrockChatSettings) -> ChatModel:
    from ragops.providers.bedrock import BedrockChatModel

    return BedrockChatModel(settings)


EMBEDDER_FACTORIES: dict[str, Callable[[Any], Embedder]] = {
    "sentence_transformers": _sentence_transformers,
    "ollama": _ollama_embedder,
    "openai": _openai_embedder,
    "bedrock": _bedrock_embedder,
}
CHAT_MODEL_FACTORIES: dict[str, Callable[[Any], ChatModel]] = {
    "llama_cpp": _llama_cpp,
    "ollama": _ollama_chat,
    "openai": _openai_chat,
    "bedrock": _bedrock_chat,
}


def build_embedder(settings: EmbedderSettings) -> Embedder:
    embedder: Embedder = _lookup(EMBEDDER_FACTORIES, settings.kind, "embedder")(settings)
    return embedder


def build_chat_provider(settings: ChatProviderSettings) -> ChatModel:
    """One provider of the chain."""
    model: ChatModel = _lookup(CHAT_MODEL_FACTORIES, settings.kind, "chat model")(settings)
    return model


def build_chat_model(settings: LLMSettings) -> ChatModel:
    """The configured provider, or a fallback chain when several are configured."""
    models = [build_chat_provider(provider) for provider in settings.providers]
    if len(models) == 1:
        return models[0]
    from ragops.providers.fallback import FallbackChatModel

    return FallbackChatModel(models)


def _lookup(factories: dict[str, Callable[[Any], Any]], kind: str, role: str) -> Callable[[Any], Any]:
    try:
        return factories[kind]
    except KeyError:
        known = ", ".join(sorted(factories))
        raise UnknownProviderError(f"unknown {role} provider {kind!r}; known: {known}") from None
