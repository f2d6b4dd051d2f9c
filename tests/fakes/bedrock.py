"""Bedrock through botocore's Stubber: requests and responses are validated against the real service models.

An event stream (ConverseStream) cannot be written as a Stubber response: the validator sees the
stream as one structure. `StubbedBedrock.add_converse_stream` validates each event against that
structure itself, has the Stubber check the request, and hands the events to the caller the way
botocore's EventStream does: in order, with an error event raised as EventStreamError.
"""

from __future__ import annotations

import io
import json
from collections import deque
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import EventStreamError
from botocore.response import StreamingBody
from botocore.stub import Stubber
from botocore.validate import validate_parameters

from ragops.config import BedrockConnectionSettings
from ragops.providers.aws import AwsClients, aws_clients

# ApplyGuardrail's usage block: every member is required by the service model.
GUARDRAIL_USAGE = {
    "topicPolicyUnits": 1,
    "contentPolicyUnits": 1,
    "wordPolicyUnits": 1,
    "sensitiveInformationPolicyUnits": 1,
    "sensitiveInformationPolicyFreeUnits": 0,
    "contextualGroundingPolicyUnits": 0,
}


def isolate_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Static test credentials, and no ~/.aws files: nothing reaches for real credentials."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")


def stubbed_bedrock(settings: BedrockConnectionSettings) -> Iterator[StubbedBedrock]:
    """For a fixture to `yield from`: active Stubbers, and every queued response used by the end of the test."""
    with StubbedBedrock(settings) as bedrock:
        yield bedrock
        bedrock.assert_no_pending_responses()


class StubbedBedrock:
    def __init__(self, settings: BedrockConnectionSettings) -> None:
        self.clients: AwsClients = aws_clients(settings)
        self.runtime = Stubber(self.clients.runtime)
        self.sts = Stubber(self.clients.sts)
        self._streams: deque[tuple[list[dict[str, Any]], dict[str, Any] | None]] = deque()
        self.clients.runtime.meta.events.register("after-call.bedrock-runtime.ConverseStream", self._swap_stream)

    def __enter__(self) -> StubbedBedrock:
        self.runtime.activate()
        self.sts.activate()
        return self

    def __exit__(self, *_: object) -> None:
        self.runtime.deactivate()
        self.sts.deactivate()

    def assert_no_pending_responses(self) -> None:
        self.runtime.assert_no_pending_responses()
        self.sts.assert_no_pending_responses()

    def add_converse_stream(
        self, expected: dict[str, Any], events: list[dict[str, Any]], error: dict[str, Any] | None = None
    ) -> None:
        """Queue a ConverseStream answer: `events`, then optionally an error event {"Code", "Message"}."""
        shape = self.clients.runtime.meta.service_model.operation_model("ConverseStream").output_shape
        for event in events:
            validate_parameters(event, shape.members["stream"])
        self.runtime.add_response("converse_stream", {"stream": {}}, expected)
        self._streams.append((events, error))

    def add_invoke_model(self, expected: dict[str, Any], payload: dict[str, Any]) -> None:
        raw = json.dumps(payload).encode("utf-8")
        response = {"body": StreamingBody(io.BytesIO(raw), len(raw)), "contentType": "application/json"}
        self.runtime.add_response("invoke_model", response, expected)

    def _swap_stream(self, parsed: dict[str, Any], **_: Any) -> None:
        events, error = self._streams.popleft()
        parsed["stream"] = _events(events, error)


def _events(events: list[dict[str, Any]], error: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    yield from events
    if error is not None:
        raise EventStreamError({"Error": error}, "ConverseStream")


def text_events(
    pieces: list[str], stop_reason: str = "end_turn", usage: tuple[int, int] = (9, 3)
) -> list[dict[str, Any]]:
    """The event sequence Bedrock sends for a text answer."""
    return [
        {"messageStart": {"role": "assistant"}},
        *({"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": piece}}} for piece in pieces),
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"messageStop": {"stopReason": stop_reason}},
        {
            "metadata": {
                "usage": {"inputTokens": usage[0], "outputTokens": usage[1], "totalTokens": sum(usage)},
                "metrics": {"latencyMs": 42},
            }
        },
    ]
