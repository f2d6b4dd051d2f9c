"""Bedrock providers with botocore's Stubber: every request and response checked against the real service model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from botocore.stub import Stubber

from ragops.config import BedrockChatSettings, BedrockConnectionSettings, BedrockEmbedderSettings, RetrySettings
from ragops.errors import ModelNotFoundError, ProviderRequestError, ProviderThrottled, ProviderUnavailable
from ragops.providers.aws import aws_clients, role_session
from ragops.providers.base import ChatMessage, Completion, TextDelta
from ragops.providers.bedrock import BedrockChatModel, BedrockEmbedder, BedrockGuardrail
from tests.fakes.bedrock import GUARDRAIL_USAGE, StubbedBedrock, isolate_aws, stubbed_bedrock, text_events

FAST_RETRY = RetrySettings(max_attempts=3, base_delay_s=0.0, max_delay_s=0.0)
REGION = "eu-west-1"
MODEL = "amazon.titan-text-express-v1"
MESSAGES = [ChatMessage("system", "Cite passages."), ChatMessage("user", "What is HNSW?")]


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_aws(monkeypatch)


def chat_settings(**overrides: object) -> BedrockChatSettings:
    values: dict[str, object] = {"kind": "bedrock", "model_id": MODEL, "region": REGION, "retry": FAST_RETRY}
    return BedrockChatSettings(**{**values, **overrides})  # type: ignore[arg-type]


@pytest.fixture
def stubbed() -> Iterator[StubbedBedrock]:
    yield from stubbed_bedrock(chat_settings())


def converse_reply(text: str) -> dict[str, object]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 12, "outputTokens": 4, "totalTokens": 16},
        "metrics": {"latencyMs": 120},
    }


EXPECTED_CONVERSE = {
    "modelId": MODEL,
    "messages": [{"role": "user", "content": [{"text": "What is HNSW?"}]}],
    "system": [{"text": "Cite passages."}],
    "inferenceConfig": {"maxTokens": 64, "temperature": 0.1},
}


class TestBedrockChat:
    def test_converse_request_and_result(self, stubbed: StubbedBedrock) -> None:
        stubbed.runtime.add_response("converse", converse_reply("A graph index [1]."), EXPECTED_CONVERSE)
        model = BedrockChatModel(chat_settings(), clients=stubbed.clients)
        completion = model.complete(MESSAGES, max_tokens=64, temperature=0.1)
        assert completion.text == "A graph index [1]."
        assert (completion.provider, completion.model_id) == ("bedrock", f"bedrock/{MODEL}")
        assert (completion.prompt_tokens, completion.completion_tokens, completion.finish_reason) == (12, 4, "end_turn")

    def test_models_without_system_messages_get_the_instructions_in_the_first_turn(
        self, stubbed: StubbedBedrock
    ) -> None:
        expected = {
            "modelId": MODEL,
            "messages": [{"role": "user", "content": [{"text": "Cite passages.\n\nWhat is HNSW?"}]}],
            "inferenceConfig": {"maxTokens": 64, "temperature": 0.1},
        }
        stubbed.runtime.add_response("converse", converse_reply("ok"), expected)
        model = BedrockChatModel(chat_settings(system_prompt=False), clients=stubbed.clients)
        assert model.complete(MESSAGES, max_tokens=64, temperature=0.1).text == "ok"

    def test_converse_stream(self, stubbed: StubbedBedrock) -> None:
        stubbed.add_converse_stream(EXPECTED_CONVERSE, text_events(["A graph", " index."]))
        events = list(
            BedrockChatModel(chat_settings(), clients=stubbed.clients).stream(MESSAGES, max_tokens=64, temperature=0.1)
        )
        assert [e.text for e in events if isinstance(e, TextDelta)] == ["A graph", " index."]
        final = events[-1]
        assert isinstance(final, Completion)
        assert (final.text, final.prompt_tokens, final.completion_tokens) == ("A graph index.", 9, 3)

    def test_throttling_is_retried(self, stubbed: StubbedBedrock) -> None:
        stubbed.runtime.add_client_error("converse", "ThrottlingException", "Too many requests", 429)
        stubbed.runtime.add_client_error("converse", "ServiceUnavailableException", "try later", 503)
        stubbed.runtime.add_response("converse", converse_reply("third time"), EXPECTED_CONVERSE)
        model = BedrockChatModel(chat_settings(), clients=stubbed.clients)
        assert model.complete(MESSAGES, max_tokens=64, temperature=0.1).text == "third time"

    def test_throttling_past_the_retries_is_reported(self, stubbed: StubbedBedrock) -> None:
        for _ in range(3):
            stubbed.runtime.add_client_error("converse", "ThrottlingException", "Too many requests", 429)
        with pytest.raises(ProviderThrottled, match="ThrottlingException: Too many requests"):
            BedrockChatModel(chat_settings(), clients=stubbed.clients).complete(
                MESSAGES, max_tokens=64, temperature=0.1
            )

    def test_validation_errors_are_not_retried(self, stubbed: StubbedBedrock) -> None:
        stubbed.runtime.add_client_error("converse", "ValidationException", "maxTokens too large", 400)
        with pytest.raises(ProviderRequestError, match="maxTokens too large"):
            BedrockChatModel(chat_settings(), clients=stubbed.clients).complete(
                MESSAGES, max_tokens=64, temperature=0.1
            )

    def test_access_denied_says_how_to_get_access(self, stubbed: StubbedBedrock) -> None:
        stubbed.runtime.add_client_error("converse", "AccessDeniedException", "not authorized", 403)
        with pytest.raises(ProviderRequestError, match="Model access"):
            BedrockChatModel(chat_settings(), clients=stubbed.clients).complete(
                MESSAGES, max_tokens=64, temperature=0.1
            )

    def test_unknown_model(self, stubbed: StubbedBedrock) -> None:
        stubbed.runtime.add_client_error("converse", "ResourceNotFoundException", "model not found", 404)
        with pytest.raises(ModelNotFoundError, match="offered in this region"):
            BedrockChatModel(chat_settings(), clients=stubbed.clients).complete(
                MESSAGES, max_tokens=64, temperature=0.1
            )

    def test_error_event_before_any_text_is_retried(self, stubbed: StubbedBedrock) -> None:
        stubbed.add_converse_stream(
            EXPECTED_CONVERSE, [], error={"Code": "throttlingException", "Message": "slow down"}
        )
        stubbed.add_converse_stream(EXPECTED_CONVERSE, text_events(["fine"]))
        events = list(
            BedrockChatModel(chat_settings(), clients=stubbed.clients).stream(MESSAGES, max_tokens=64, temperature=0.1)
        )
        assert isinstance(events[-1], Completion) and events[-1].text == "fine"

    def test_error_event_mid_stream_propagates_after_the_partial_text(self, stubbed: StubbedBedrock) -> None:
        partial = text_events(["A graph"])[:2]
        stubbed.add_converse_stream(
            EXPECTED_CONVERSE, partial, error={"Code": "modelStreamErrorException", "Message": "model crashed"}
        )
        received = []
        with pytest.raises(ProviderUnavailable, match="model crashed"):
            for event in BedrockChatModel(chat_settings(), clients=stubbed.clients).stream(
                MESSAGES, max_tokens=64, temperature=0.1
            ):
                received.append(event)
        assert received == [TextDelta("A graph")]

    def test_check_resolves_the_caller(self, stubbed: StubbedBedrock) -> None:
        stubbed.sts.add_response(
            "get_caller_identity",
            {"UserId": "AIDATEST", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/ragops"},
            {},
        )
        report = BedrockChatModel(chat_settings(), clients=stubbed.clients).check()
        assert REGION in report and "user/ragops" in report


class TestBedrockEmbedder:
    def test_titan_v2_request_and_unit_vectors(self, stubbed: StubbedBedrock) -> None:
        settings = BedrockEmbedderSettings(kind="bedrock", region=REGION, dimensions=256, retry=FAST_RETRY)
        for text in ("alpha", "beta"):
            stubbed.add_invoke_model(
                {
                    "modelId": "amazon.titan-embed-text-v2:0",
                    "body": json.dumps({"inputText": text, "dimensions": 256, "normalize": True}),
                    "contentType": "application/json",
                    "accept": "application/json",
                },
                {"embedding": [3.0] + [0.0] * 255, "inputTextTokenCount": 2},
            )
        embedder = BedrockEmbedder(settings, clients=stubbed.clients)
        matrix = embedder.embed_documents(["alpha", "beta"])
        assert matrix.shape == (2, 256) and embedder.model_id == "bedrock/amazon.titan-embed-text-v2:0"
        np.testing.assert_allclose(matrix[:, 0], 1.0)

    def test_a_wrong_sized_answer_is_refused(self, stubbed: StubbedBedrock) -> None:
        settings = BedrockEmbedderSettings(kind="bedrock", region=REGION, dimensions=512, retry=FAST_RETRY)
        stubbed.add_invoke_model(
            {
                "modelId": "amazon.titan-embed-text-v2:0",
                "body": json.dumps({"inputText": "alpha", "dimensions": 512, "normalize": True}),
                "contentType": "application/json",
                "accept": "application/json",
            },
            {"embedding": [1.0] * 1024, "inputTextTokenCount": 1},
        )
        with pytest.raises(Exception, match="dimension 512"):
            BedrockEmbedder(settings, clients=stubbed.clients).embed_documents(["alpha"])


class TestBedrockGuardrail:
    def test_apply_guardrail(self, stubbed: StubbedBedrock) -> None:
        stubbed.runtime.add_response(
            "apply_guardrail",
            {
                "usage": GUARDRAIL_USAGE,
                "action": "GUARDRAIL_INTERVENED",
                "outputs": [{"text": "Sorry, I cannot help with that."}],
                "assessments": [
                    {"topicPolicy": {"topics": [{"name": "weapons", "type": "DENY", "action": "BLOCKED"}]}}
                ],
            },
            {
                "guardrailIdentifier": "gr-123",
                "guardrailVersion": "2",
                "source": "INPUT",
                "content": [{"text": {"text": "how do I build a weapon"}}],
            },
        )
        guardrail = BedrockGuardrail(chat_settings(), "gr-123", "2", clients=stubbed.clients)
        verdict = guardrail.apply("how do I build a weapon", source="INPUT")
        assert verdict.intervened and verdict.outputs == ["Sorry, I cannot help with that."]
        assert verdict.assessments[0]["topicPolicy"]["topics"][0]["name"] == "weapons"


class TestAssumedRole:
    def test_the_role_is_assumed_on_first_use_and_again_near_expiry(self) -> None:
        # given
        settings = BedrockConnectionSettings(region=REGION, role_arn="arn:aws:iam::123456789012:role/ragops-bedrock")
        sts = aws_clients(settings.model_copy(update={"role_arn": None})).sts
        expected = {
            "RoleArn": "arn:aws:iam::123456789012:role/ragops-bedrock",
            "RoleSessionName": "ragops",
            "DurationSeconds": 3600,
        }
        now = datetime.now(UTC)
        with Stubber(sts) as stub:
            # when: nothing is queued yet, so an AssumeRole while building would fail the Stubber
            session = role_session(sts, settings, REGION)
            # the first credentials expire in 5 minutes, inside botocore's refresh window
            issued = (("ASIAFIRST0000000", now + timedelta(minutes=5)), ("ASIASECOND000000", now + timedelta(hours=1)))
            for key, expires in issued:
                stub.add_response(
                    "assume_role",
                    {
                        "Credentials": {
                            "AccessKeyId": key,
                            "SecretAccessKey": "s" * 16,
                            "SessionToken": "t" * 16,
                            "Expiration": expires,
                        }
                    },
                    expected,
                )
            credentials = session.get_credentials()
            # then
            assert credentials.get_frozen_credentials().access_key == "ASIAFIRST0000000"
            assert credentials.get_frozen_credentials().access_key == "ASIASECOND000000"
            stub.assert_no_pending_responses()
