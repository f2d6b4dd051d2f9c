"""`ragops models list|test`: each configured provider, whether it is reachable, and one tiny call through it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from ragops.config import ChatProviderSettings, EmbedderSettings, Settings
from ragops.errors import RagopsError
from ragops.prompts import load_prompt
from ragops.providers.base import ChatMessage, ChatModel, Completion, Embedder, TextDelta
from ragops.providers.registry import build_chat_provider, build_embedder

CHECK_MAX_TOKENS = 24
EMBED_CHECK_TEXT = "ragops model check"


@dataclass(frozen=True)
class ProviderReport:
    role: Literal["llm", "embedder"]
    position: int  # place in the fallback chain (1 = first tried); 1 for the embedder
    kind: str
    model: str
    ok: bool
    detail: str  # what answered, or what failed and what to do
    latency_ms: float | None = None
    first_token_ms: float | None = None


def list_providers(settings: Settings) -> list[ProviderReport]:
    """Build each configured provider and ask whether its backend is reachable (no model call)."""
    return [_report(role, n, spec, build, lambda p: (p.check(), {})) for role, n, spec, build in _configured(settings)]


def test_providers(settings: Settings) -> list[ProviderReport]:
    """One tiny streamed chat per LLM provider and one embedding per embedder."""
    reports = []
    for role, n, spec, build in _configured(settings):
        probe = _probe_chat if role == "llm" else _probe_embedder
        reports.append(_report(role, n, spec, build, probe))
    return reports


def _configured(settings: Settings) -> Iterator[tuple[Literal["llm", "embedder"], int, Any, Callable[[Any], Any]]]:
    yield "embedder", 1, settings.embedder, build_embedder
    for position, spec in enumerate(settings.llm.providers, start=1):
        yield "llm", position, spec, build_chat_provider


def _report(
    role: Literal["llm", "embedder"],
    position: int,
    spec: ChatProviderSettings | EmbedderSettings,
    build: Callable[[Any], Any],
    probe: Callable[[Any], tuple[str, dict[str, float]]],
) -> ProviderReport:
    model = _model_name(spec)
    try:
        detail, timings = probe(build(spec))
    except RagopsError as exc:
        return ProviderReport(role, position, spec.kind, model, ok=False, detail=str(exc))
    return ProviderReport(role, position, spec.kind, model, ok=True, detail=detail, **timings)


def _probe_chat(model: ChatModel) -> tuple[str, dict[str, float]]:
    started = time.perf_counter()
    first_token_ms: float | None = None
    completion: Completion | None = None
    prompt = [ChatMessage("user", load_prompt("model_check").render())]
    for event in model.stream(prompt, max_tokens=CHECK_MAX_TOKENS, temperature=0.0):
        if isinstance(event, TextDelta) and first_token_ms is None:
            first_token_ms = (time.perf_counter() - started) * 1000.0
        elif isinstance(event, Completion):
            completion = event
    assert completion is not None  # every stream ends with its Completion
    detail = (
        f"{completion.model_id}: {completion.text!r} ({completion.prompt_tokens} prompt + "
        f"{completion.completion_tokens} completion tokens, {completion.finish_reason})"
    )
    timings = {"latency_ms": completion.latency_ms}
    if first_token_ms is not None:
        timings["first_token_ms"] = first_token_ms
    return detail, timings


def _probe_embedder(embedder: Embedder) -> tuple[str, dict[str, float]]:
    started = time.perf_counter()
    vector = embedder.embed_query(EMBED_CHECK_TEXT)
    latency_ms = (time.perf_counter() - started) * 1000.0
    return f"{embedder.model_id}: {vector.shape[0]}-dimension unit vector", {"latency_ms": latency_ms}


def _model_name(spec: ChatProviderSettings | EmbedderSettings) -> str:
    for field in ("model", "model_id", "model_path"):
        value = getattr(spec, field, None)
        if value:
            return str(value)
    return "(packaged default)"
