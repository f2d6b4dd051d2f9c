"""Pick providers by the `kind` in config: a name -> factory table, heavy imports only when chosen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ragops.config import EmbedderSettings, LLMSettings
from ragops.errors import UnknownProviderError
from ragops.providers.base import ChatModel, Embedder


def _sentence_transformers(settings: EmbedderSettings) -> Embedder:
    from ragops.providers.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings)


def _llama_cpp(settings: LLMSettings) -> ChatModel:
    from ragops.providers.llama_cpp import LlamaCppChatModel

    return LlamaCppChatModel(settings)


EMBEDDER_FACTORIES: dict[str, Callable[[Any], Embedder]] = {"sentence_transformers": _sentence_transformers}
CHAT_MODEL_FACTORIES: dict[str, Callable[[Any], ChatModel]] = {"llama_cpp": _llama_cpp}


def build_embedder(settings: EmbedderSettings) -> Embedder:
    embedder: Embedder = _lookup(EMBEDDER_FACTORIES, settings.kind, "embedder")(settings)
    return embedder


def build_chat_model(settings: LLMSettings) -> ChatModel:
    chat_model: ChatModel = _lookup(CHAT_MODEL_FACTORIES, settings.kind, "chat model")(settings)
    return chat_model


def _lookup(factories: dict[str, Callable[[Any], Any]], kind: str, role: str) -> Callable[[Any], Any]:
    try:
        return factories[kind]
    except KeyError:
        known = ", ".join(sorted(factories))
        raise UnknownProviderError(f"unknown {role} provider {kind!r}; known: {known}") from None
