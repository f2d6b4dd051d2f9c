"""The FastAPI application: resources open once in the lifespan and reach handlers as dependencies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ragops.api.errors import install_error_handlers
from ragops.api.routes import health, query
from ragops.config import Settings
from ragops.runtime import Runtime, open_runtime


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """The app for `settings`; pass an open `runtime` to share one (tests), else the lifespan opens one."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime is not None:
            app.state.pipeline = runtime.pipeline()
            yield
            return
        with open_runtime(settings, with_llm=True) as opened:
            app.state.pipeline = opened.pipeline()
            yield

    app = FastAPI(title="ragops", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(query.router)
    return app
