"""Provider latency on this machine: local GGUF time to first token and throughput, and what a fallback costs.

Run: PYTHONPATH=src python benchmarks/providers.py [--runs 5]
Prints numbers; asserts nothing. The fallback case puts an unreachable Ollama (connection refused)
in front of the local model, which is what a request sees when the first provider is down.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import time

from ragops.config import LlamaCppChatSettings, OllamaChatSettings, RetrySettings
from ragops.prompts import load_prompt
from ragops.providers.base import ChatMessage, ChatModel, Completion, TextDelta
from ragops.providers.fallback import FallbackChatModel
from ragops.providers.llama_cpp import LlamaCppChatModel
from ragops.providers.ollama import OllamaChatModel

MAX_TOKENS = 32


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def measure(model: ChatModel, runs: int) -> tuple[list[float], list[float], list[float]]:
    """Per run: ms to the first token, ms in all, completion tokens per second."""
    prompt = [ChatMessage("user", load_prompt("model_check").render())]
    first_ms, total_ms, rates = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        first: float | None = None
        completion: Completion | None = None
        for event in model.stream(prompt, max_tokens=MAX_TOKENS, temperature=0.0):
            if isinstance(event, TextDelta) and first is None:
                first = (time.perf_counter() - started) * 1000.0
            elif isinstance(event, Completion):
                completion = event
        assert completion is not None and first is not None
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        first_ms.append(first)
        total_ms.append(elapsed_ms)
        rates.append(completion.completion_tokens / max(elapsed_ms - first, 1e-3) * 1000.0)
    return first_ms, total_ms, rates


def report(name: str, first_ms: list[float], total_ms: list[float], rates: list[float]) -> None:
    print(
        f"{name:<40} first token p50 {statistics.median(first_ms):7.1f} ms (max {max(first_ms):7.1f})  "
        f"total p50 {statistics.median(total_ms):7.1f} ms  generation {statistics.median(rates):6.1f} tokens/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    local = LlamaCppChatModel(LlamaCppChatSettings(context_window=2048))
    down = OllamaChatModel(
        OllamaChatSettings(kind="ollama", base_url=closed_port_url(), model="m", retry=RetrySettings(max_attempts=1))
    )
    down_retried = OllamaChatModel(
        OllamaChatSettings(kind="ollama", base_url=closed_port_url(), model="m", retry=RetrySettings())
    )
    measure(local, 1)  # warm-up: llama.cpp allocates its compute buffers on the first call
    report("llama_cpp SmolLM2-135M (warm)", *measure(local, args.runs))
    report("ollama down (no retry) -> llama_cpp", *measure(FallbackChatModel([down, local]), args.runs))
    report("ollama down (3 attempts) -> llama_cpp", *measure(FallbackChatModel([down_retried, local]), args.runs))


if __name__ == "__main__":
    main()
