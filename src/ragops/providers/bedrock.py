"""AWS Bedrock: Converse / ConverseStream for chat, Titan Text Embeddings V2 via InvokeModel, ApplyGuardrail."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ragops.config import BedrockChatSettings, BedrockConnectionSettings, BedrockEmbedderSettings
from ragops.errors import ProviderError, ProviderTimeout, ProviderUnavailable
from ragops.providers.approx_tokens import estimate_tokens
from ragops.providers.aws import AwsClients, aws_clients, bedrock_errors
from ragops.providers.base import ChatMessage, Completion, StreamEvent, TextDelta
from ragops.providers.remote_embedder import RemoteEmbedder
from ragops.providers.retry import call_with_retries, stream_with_retries

PROVIDER = "bedrock"


class BedrockChatModel:
    def __init__(self, settings: BedrockChatSettings, clients: AwsClients | None = None) -> None:
        self._settings = settings
        self._clients = clients or aws_clients(settings)
        self.model_id = f"{PROVIDER}/{settings.model_id}"
        self.context_window = settings.context_window

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Completion:
        started = time.perf_counter()
        request = self._request(messages, max_tokens, temperature)

        def converse() -> Any:
            with bedrock_errors(f"Bedrock Converse with {self._settings.model_id}"):
                return self._clients.runtime.converse(**request)

        reply = call_with_retries(converse, self._settings.retry, what=self.model_id)
        blocks = reply["output"]["message"]["content"]
        text = "".join(block.get("text", "") for block in blocks)
        return self._completion(text, reply["stopReason"], reply.get("usage") or {}, started)

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float) -> Iterator[StreamEvent]:
        started = time.perf_counter()
        request = self._request(messages, max_tokens, temperature)
        what = f"Bedrock ConverseStream with {self._settings.model_id}"
        deadline = time.monotonic() + self._settings.timeout_s

        def start() -> Iterator[dict[str, Any]]:
            with bedrock_errors(what):
                reply = self._clients.runtime.converse_stream(**request)
                for event in reply["stream"]:
                    if time.monotonic() > deadline:
                        raise ProviderTimeout(f"{what} took longer than {self._settings.timeout_s:g} s")
                    yield event

        parts: list[str] = []
        stop_reason: str | None = None
        usage: dict[str, Any] = {}
        for event in stream_with_retries(start, self._settings.retry, what=self.model_id):
            text = event.get("contentBlockDelta", {}).get("delta", {}).get("text")
            if text:
                parts.append(text)
                yield TextDelta(text)
            stop_reason = event.get("messageStop", {}).get("stopReason", stop_reason)
            usage = event.get("metadata", {}).get("usage", usage)
        if stop_reason is None:
            raise ProviderUnavailable(f"{what} ended before its messageStop event")
        yield self._completion("".join(parts), stop_reason, usage, started)

    def check(self) -> str:
        return check_credentials(self._clients, self._settings.model_id)

    def _request(self, messages: Sequence[ChatMessage], max_tokens: int, temperature: float) -> dict[str, Any]:
        system = [m.content for m in messages if m.role == "system"]
        turns = [m for m in messages if m.role != "system"]
        if system and not self._settings.system_prompt and turns:
            # Titan Text rejects system messages: the instructions lead the first user turn instead.
            turns[0] = ChatMessage(turns[0].role, "\n\n".join([*system, turns[0].content]))
            system = []
        request: dict[str, Any] = {
            "modelId": self._settings.model_id,
            "messages": [{"role": m.role, "content": [{"text": m.content}]} for m in turns],
            "inferenceConfig": {"maxTokens": max_tokens, "temperature": temperature},
        }
        if system:
            request["system"] = [{"text": text} for text in system]
        return request

    def _completion(self, text: str, stop_reason: str, usage: dict[str, Any], started: float) -> Completion:
        return Completion(
            text=text.strip(),
            model_id=self.model_id,
            prompt_tokens=int(usage.get("inputTokens", 0)),
            completion_tokens=int(usage.get("outputTokens", 0)),
            finish_reason=stop_reason,
            provider=PROVIDER,
            latency_ms=(time.perf_counter() - started) * 1000.0,
        )


class BedrockEmbedder(RemoteEmbedder):
    """Titan Text Embeddings V2 (one text per InvokeModel call, which is how the model is offered)."""

    def __init__(self, settings: BedrockEmbedderSettings, clients: AwsClients | None = None) -> None:
        super().__init__(
            model_id=f"{PROVIDER}/{settings.model_id}",
            batch_size=settings.batch_size,
            max_input_tokens=settings.max_input_tokens,
            dimension=settings.dimensions,
        )
        self._settings = settings
        self._clients = clients or aws_clients(settings)

    def _embed_batch(self, texts: list[str]) -> list[list[float]]:
        return [
            call_with_retries(lambda t=text: self._embed_one(t), self._settings.retry, what=self.model_id)  # type: ignore[misc]
            for text in texts
        ]

    def _embed_one(self, text: str) -> list[float]:
        body = json.dumps({"inputText": text, "dimensions": self._settings.dimensions, "normalize": True})
        with bedrock_errors(f"Bedrock InvokeModel with {self._settings.model_id}"):
            reply = self._clients.runtime.invoke_model(
                modelId=self._settings.model_id, body=body, contentType="application/json", accept="application/json"
            )
            payload = json.loads(reply["body"].read())
        try:
            return [float(value) for value in payload["embedding"]]
        except (KeyError, TypeError) as exc:
            raise ProviderError(
                f"{self._settings.model_id} answered without an `embedding`: is it a Titan V2 embedding model?"
            ) from exc

    def check(self) -> str:
        return check_credentials(self._clients, self._settings.model_id)


GuardrailSource = Literal["INPUT", "OUTPUT"]
GuardrailContent = Mapping[str, Any]  # one ApplyGuardrail content block, e.g. {"text": {"text": ...}}
_GUARDRAIL_NOT_FOUND_HINT = "check the guardrail id, its version and the region"
_GUARDRAIL_ACCESS_HINT = "grant the caller bedrock:ApplyGuardrail on the guardrail"


@dataclass(frozen=True)
class GuardrailVerdict:
    """What ApplyGuardrail decided: `intervened`, the text to use instead, the raw assessments, and why."""

    intervened: bool
    outputs: list[str]
    assessments: list[dict[str, Any]]
    action_reason: str | None = None


class BedrockGuardrail:
    """A Bedrock guardrail applied to text on its own (ApplyGuardrail), for input or output checks."""

    def __init__(
        self,
        settings: BedrockConnectionSettings,
        guardrail_id: str,
        guardrail_version: str = "DRAFT",
        clients: AwsClients | None = None,
    ) -> None:
        self._settings = settings
        self._clients = clients or aws_clients(settings)
        self.guardrail_id = guardrail_id
        self.guardrail_version = guardrail_version

    def apply(self, content: str | Sequence[GuardrailContent], source: GuardrailSource) -> GuardrailVerdict:
        """Check `content`: a text, or ApplyGuardrail content blocks (e.g. with a `grounding_source` qualifier)."""
        blocks = [{"text": {"text": content}}] if isinstance(content, str) else list(content)
        what = f"Bedrock guardrail {self.guardrail_id} version {self.guardrail_version}"

        def call() -> Any:
            with bedrock_errors(what, not_found_hint=_GUARDRAIL_NOT_FOUND_HINT, access_hint=_GUARDRAIL_ACCESS_HINT):
                return self._clients.runtime.apply_guardrail(
                    guardrailIdentifier=self.guardrail_id,
                    guardrailVersion=self.guardrail_version,
                    source=source,
                    content=blocks,
                )

        reply = call_with_retries(call, self._settings.retry, what=f"guardrail {self.guardrail_id}")
        return GuardrailVerdict(
            intervened=reply["action"] == "GUARDRAIL_INTERVENED",
            outputs=[output["text"] for output in reply.get("outputs", []) if "text" in output],
            assessments=list(reply.get("assessments", [])),
            action_reason=reply.get("actionReason"),
        )


def check_credentials(clients: AwsClients, model_id: str) -> str:
    """Credentials resolve and AWS answers (GetCallerIdentity needs no permission); model access is not checked."""
    with bedrock_errors("sts:GetCallerIdentity"):
        identity = clients.sts.get_caller_identity()
    return f"AWS {clients.region} as {identity['Arn']}: {model_id} (model access shows on the first call)"
