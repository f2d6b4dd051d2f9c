"""Error types callers branch on. Messages name the thing at fault and what to do about it."""

from __future__ import annotations


class RagopsError(Exception):
    """Base of every error ragops raises on purpose; its message is shown to the user."""


class ConfigError(RagopsError):
    """The settings are invalid or a referenced file is missing."""


class StoreError(RagopsError):
    """The database is unreachable, lacks pgvector, or refused an operation."""


class RetryLater(RagopsError):
    """Worth retrying as sent, after `retry_after_s` (the HTTP Retry-After)."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class DatabaseUnavailableError(StoreError, RetryLater):
    """The database is down or unreachable."""


class NotFoundError(StoreError):
    """A named thing (collection, document) does not exist."""


class ConflictError(StoreError):
    """The request conflicts with what is stored, e.g. a conversation whose collection was deleted."""


class EmbedderMismatchError(StoreError):
    """A collection's vectors were made by another embedder than the one configured."""


class IngestError(RagopsError):
    """A source could not be read; `source` names the file or record."""

    def __init__(self, message: str, source: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source


class ProviderError(RagopsError):
    """A model provider failed."""


class ProviderTimeout(ProviderError):
    """A model provider did not answer within its timeout."""


class ProviderUnavailable(ProviderError):
    """The provider could not be reached or failed on its side (connection error, 5xx): worth retrying."""


class ProviderThrottled(ProviderUnavailable):
    """The provider refused for now because of rate or quota limits: worth retrying after a pause."""


class ProviderRequestError(ProviderError):
    """The provider rejected the request itself (4xx: validation, auth, unknown model): never retried."""


class ModelNotFoundError(ProviderRequestError):
    """The configured model does not exist at the provider or is not available to this account."""


class UnreadableReplyError(RagopsError):
    """A model's reply held none of the structured values it was asked for: worth asking again."""


class UnknownProviderError(ConfigError):
    """The configured provider kind has no implementation."""


class InvalidRequestError(RagopsError):
    """The request itself cannot be answered as sent (an empty or overlong question): the caller must change it."""


class OverloadedError(RagopsError):
    """The server has too much queued work to accept more now: retry later."""


class AuthenticationError(RagopsError):
    """The request carries no valid API key."""


class RateLimitedError(RetryLater):
    """This API key sent more requests than its budget allows."""


class UnsupportedFormatError(IngestError):
    """A file of a type no source reader handles."""


class CollectError(RagopsError):
    """A collector could not fetch or read a source (the server kept failing, a page was unreadable)."""
