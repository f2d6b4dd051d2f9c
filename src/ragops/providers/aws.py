"""AWS access for Bedrock: the standard credential chain, an optional assumed role, and typed errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import DeferredRefreshableCredentials
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    ConnectTimeoutError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)

from ragops.config import BedrockConnectionSettings
from ragops.errors import (
    ConfigError,
    ModelNotFoundError,
    ProviderRequestError,
    ProviderThrottled,
    ProviderTimeout,
    ProviderUnavailable,
)

_THROTTLED = frozenset({"ThrottlingException", "TooManyRequestsException"})
_UNAVAILABLE = frozenset(
    {"ServiceUnavailableException", "InternalServerException", "ModelNotReadyException", "ModelStreamErrorException"}
)
_TIMED_OUT = frozenset({"ModelTimeoutException"})
_NOT_FOUND = frozenset({"ResourceNotFoundException"})
_ACCESS_DENIED = frozenset({"AccessDeniedException", "UnrecognizedClientException"})
MODEL_NOT_FOUND_HINT = "check the model id and that it is offered in this region"
MODEL_ACCESS_HINT = (
    "grant bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream on the model, "
    "and enable access to it under Bedrock > Model access in this region"
)


@dataclass(frozen=True)
class AwsClients:
    """The clients a Bedrock provider uses; tests hand in clients wrapped by botocore's Stubber."""

    runtime: Any  # bedrock-runtime
    sts: Any
    region: str


def aws_clients(settings: BedrockConnectionSettings) -> AwsClients:
    """Clients on the standard credential chain, or on `role_arn` assumed through STS and refreshed."""
    try:
        session = boto3.Session(profile_name=settings.profile, region_name=settings.region)
    except ProfileNotFound as exc:
        raise ConfigError(f"AWS profile {settings.profile!r} not found in ~/.aws/config: {exc}") from exc
    region = session.region_name
    if not region:
        raise ConfigError("no AWS region: set `region` in the provider's config, or AWS_REGION")
    config = client_config(settings)
    if settings.role_arn is not None:
        session = role_session(session.client("sts", config=config), settings, region)
    # STS from the final session: `check` then names the identity Bedrock calls are made as.
    return AwsClients(
        runtime=session.client("bedrock-runtime", config=config),
        sts=session.client("sts", config=config),
        region=region,
    )


def client_config(settings: BedrockConnectionSettings) -> Config:
    # One attempt per call: retries are ours (ragops.providers.retry), the same for every provider.
    return Config(
        connect_timeout=settings.timeout_s,
        read_timeout=settings.timeout_s,
        retries={"total_max_attempts": 1, "mode": "standard"},
        user_agent_extra="ragops",
    )


def role_session(sts: Any, settings: BedrockConnectionSettings, region: str) -> boto3.Session:
    """A session whose credentials come from AssumeRole (on first use) and are renewed before they expire."""
    assert settings.role_arn is not None
    credentials = assumed_role_credentials(sts, settings.role_arn, settings.role_session_name, settings.role_duration_s)
    core = botocore.session.Session()
    # botocore has no public setter for refreshable credentials; this is the documented-by-use idiom.
    core._credentials = credentials
    return boto3.Session(botocore_session=core, region_name=region)


def assumed_role_credentials(
    sts: Any, role_arn: str, session_name: str, duration_s: int
) -> DeferredRefreshableCredentials:
    """Credentials for `role_arn`, assumed on first use (so building a fallback chain needs no network) and
    again whenever they near expiry."""

    def fetch() -> dict[str, str]:
        with bedrock_errors(f"sts:AssumeRole on {role_arn}"):
            reply = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name, DurationSeconds=duration_s)
        issued = reply["Credentials"]
        return {
            "access_key": issued["AccessKeyId"],
            "secret_key": issued["SecretAccessKey"],
            "token": issued["SessionToken"],
            "expiry_time": issued["Expiration"].isoformat(),
        }

    return DeferredRefreshableCredentials(refresh_using=fetch, method="sts-assume-role")


@contextmanager
def bedrock_errors(
    what: str, *, not_found_hint: str = MODEL_NOT_FOUND_HINT, access_hint: str = MODEL_ACCESS_HINT
) -> Iterator[None]:
    """Turn botocore's exceptions into ragops' typed provider errors, with what to do about them; the hints
    default to a model's and are replaced for other resources (a guardrail)."""
    try:
        yield
    except ClientError as exc:  # also EventStreamError: an error event in the middle of a stream
        raise _client_error(what, exc, not_found_hint, access_hint) from exc
    except (ReadTimeoutError, ConnectTimeoutError) as exc:
        raise ProviderTimeout(f"{what} timed out: {exc}; raise timeout_s") from exc
    except (NoCredentialsError, PartialCredentialsError) as exc:
        raise ProviderRequestError(
            f"{what}: no usable AWS credentials ({exc}); set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            "or run where an instance/task role is attached"
        ) from exc
    except (HTTPClientError, ConnectionError) as exc:
        raise ProviderUnavailable(f"{what} could not reach AWS: {exc}") from exc
    except BotoCoreError as exc:
        raise ProviderRequestError(f"{what} failed: {exc}") from exc


def _client_error(what: str, exc: ClientError, not_found_hint: str, access_hint: str) -> Exception:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    code = code[:1].upper() + code[1:]  # errors inside an event stream arrive as `throttlingException`
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    message = f"{what} failed with {code or status}: {error.get('Message', '')}"
    if code in _THROTTLED or status == 429:
        return ProviderThrottled(message)
    if code in _TIMED_OUT:
        return ProviderTimeout(message)
    if code in _UNAVAILABLE or status >= 500:
        return ProviderUnavailable(message)
    if code in _NOT_FOUND:
        return ModelNotFoundError(f"{message}; {not_found_hint}")
    if code in _ACCESS_DENIED:
        return ProviderRequestError(f"{message}; {access_hint}")
    return ProviderRequestError(message)
