"""Map errors to RFC 9457 problem details, once, for every route."""

from __future__ import annotations

import logging
import math
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ragops.errors import (
    AuthenticationError,
    ConfigError,
    ConflictError,
    EmbedderMismatchError,
    IngestError,
    InvalidRequestError,
    NotFoundError,
    OverloadedError,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RagopsError,
    RateLimitedError,
    RetryLater,
    StoreError,
    UnsupportedFormatError,
)

log = logging.getLogger(__name__)

UNEXPECTED = "unexpected server error, its traceback is in the server log; retry, and report it if it persists"

# Most specific first: the first isinstance match wins.
_STATUS_BY_ERROR: list[tuple[type[RagopsError], int]] = [
    (AuthenticationError, 401),
    (RateLimitedError, 429),
    (OverloadedError, 503),
    (UnsupportedFormatError, 415),
    (IngestError, 422),
    (InvalidRequestError, 422),
    (NotFoundError, 404),
    (EmbedderMismatchError, 409),
    (ConflictError, 409),
    (StoreError, 503),
    (ProviderTimeout, 504),
    (ProviderUnavailable, 503),  # down, 5xx or throttled after the retries: worth retrying later
    (ProviderError, 502),  # the provider refused the request (bad model id, no access, validation)
    (ConfigError, 500),
]


def status_for(exc: RagopsError) -> int:
    return next((code for kind, code in _STATUS_BY_ERROR if isinstance(exc, kind)), 500)


def problem_body(status: int, detail: str) -> dict[str, object]:
    title = HTTPStatus(status).phrase
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        # Extension member in OpenAI's error shape, so OpenAI SDKs show the detail instead of "Error code: 404".
        "error": {"message": detail, "type": title, "code": status},
    }


def exception_problem(exc: Exception) -> dict[str, object]:
    """The problem body for any error; one nobody anticipated is logged and shown as a 500 without internals."""
    if isinstance(exc, RagopsError):
        return problem_body(status_for(exc), str(exc))
    log.error("unexpected error: %s", exc, exc_info=exc)
    return problem_body(500, UNEXPECTED)


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem_body(status, detail), status_code=status, media_type="application/problem+json", headers=headers
    )


def error_headers(exc: RagopsError) -> dict[str, str] | None:
    """The headers an error's status calls for (when to retry, how to authenticate)."""
    if isinstance(exc, RetryLater):
        return {"Retry-After": str(max(1, math.ceil(exc.retry_after_s)))}
    if isinstance(exc, AuthenticationError):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(exc, OverloadedError):
        return {"Retry-After": "60"}
    return None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RagopsError)
    async def ragops_error(_: Request, exc: RagopsError) -> JSONResponse:
        return problem(status_for(exc), str(exc), error_headers(exc))

    # Still a problem+json body (not text/plain) for a bug, so clients parse every error the same way.
    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, exc: Exception) -> JSONResponse:
        body = exception_problem(exc)
        return JSONResponse(body, status_code=500, media_type="application/problem+json")

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'] if p != 'body')}: {error['msg']}" for error in exc.errors()
        )
        return problem(422, details or "invalid request")

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), dict(exc.headers) if exc.headers else None)
