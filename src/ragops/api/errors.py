"""Map errors to RFC 9457 problem details, once, for every route."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ragops.errors import (
    ConfigError,
    EmbedderMismatchError,
    NotFoundError,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RagopsError,
    StoreError,
)

# Most specific first: the first isinstance match wins.
_STATUS_BY_ERROR: list[tuple[type[RagopsError], int]] = [
    (NotFoundError, 404),
    (EmbedderMismatchError, 409),
    (StoreError, 503),
    (ProviderTimeout, 504),
    (ProviderUnavailable, 503),  # down, 5xx or throttled after the retries: worth retrying later
    (ProviderError, 502),  # the provider refused the request (bad model id, no access, validation)
    (ConfigError, 500),
]


def problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RagopsError)
    async def ragops_error(_: Request, exc: RagopsError) -> JSONResponse:
        status = next((code for kind, code in _STATUS_BY_ERROR if isinstance(exc, kind)), 500)
        return problem(status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'] if p != 'body')}: {error['msg']}" for error in exc.errors()
        )
        return problem(422, details or "invalid request")
