"""Request limits: the body size (on the declared Content-Length and on the bytes actually received) and the
question's length, both from `server` settings."""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ragops.api.deps import SettingsDep
from ragops.api.errors import problem_body


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:  # chunked bodies declare no length
                    raise HTTPException(413, self._detail())
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except HTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            await self._refuse(send)

    def _detail(self) -> str:
        return f"the request body is larger than {self.max_body_bytes} bytes; send a smaller file or split it"

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(problem_body(413, self._detail())).encode()
        headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def limit_question_length(request: Request, settings: SettingsDep) -> None:
    """A body `question` longer than `server.max_question_chars` is a 422 naming the field, as a schema check is."""
    try:
        body = await request.json()  # Starlette keeps the parsed body: this reads the one the route validates
    except ValueError:
        return  # not JSON: the route's schema reports that
    question = body.get("question") if isinstance(body, dict) else None
    limit = settings.server.max_question_chars
    if isinstance(question, str) and len(question) > limit:
        message = f"String should have at most {limit} characters"  # pydantic's own wording for max_length
        raise RequestValidationError(
            [{"type": "string_too_long", "loc": ("body", "question"), "msg": message, "ctx": {"max_length": limit}}]
        )
