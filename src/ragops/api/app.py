"""The FastAPI application: resources open once in the lifespan and reach handlers as dependencies."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from ragops.api.auth import TokenBucketLimiter, auth_required, require_api_key
from ragops.api.errors import install_error_handlers
from ragops.api.limits import BodySizeLimitMiddleware, limit_question_length
from ragops.api.metrics import Metrics, MetricsMiddleware
from ragops.api.routes import conversations, documents, feedback, health, openai_compat, query, web
from ragops.api.schemas import problem_responses
from ragops.config import Settings
from ragops.errors import ConfigError
from ragops.ingest.worker import IngestionWorker
from ragops.runtime import Runtime, open_runtime
from ragops.services.catalog import CatalogService
from ragops.services.conversations import ConversationService
from ragops.services.feedback import FeedbackService
from ragops.store.api_keys import active_key_count

API_DESCRIPTION = (
    "Cited answers over your documents. Send `Authorization: Bearer <key>` (from `ragops keys create`) "
    "when the server requires keys. Errors are RFC 9457 problem details."
)

# Any route may meet a body that is not UTF-8 (400) or one over server.max_body_bytes (413).
ANY_ROUTE_ERRORS = problem_responses(400, 413)


def create_app(settings: Settings, runtime: Runtime | None = None, pipeline_label: str | None = None) -> FastAPI:
    """The app for `settings`; pass an open `runtime` to share one (tests), else the lifespan opens one.
    `pipeline_label` names the registered version being served (shown by /readyz)."""

    @contextmanager
    def resources() -> Iterator[Runtime]:
        if runtime is not None:
            yield runtime
            return
        with open_runtime(settings, with_llm=True) as opened:
            yield opened

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with resources() as opened:
            if app.state.auth_required:
                _check_keys_exist(opened)
            # The app's own settings govern answering, also over a shared runtime.
            app.state.pipeline = opened.pipeline(settings)
            app.state.catalog = CatalogService(opened.db)
            app.state.feedback = FeedbackService(opened.db)
            app.state.conversations = ConversationService(opened.db, app.state.pipeline, settings)
            worker = IngestionWorker(opened.db, opened.embedder, settings.chunking, settings.server.upload_queue_size)
            worker.start()
            app.state.worker = worker
            try:
                yield
            finally:
                worker.stop()

    app = FastAPI(title="ragops", version="0.1.0", description=API_DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.pipeline_label = pipeline_label or f"profile {settings.profile}"
    app.state.metrics = Metrics()
    app.state.auth_required = auth_required(settings)
    app.state.rate_limiter = TokenBucketLimiter(settings.server.rate_limit_per_minute, settings.server.rate_limit_burst)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.server.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)  # outermost: 413s are counted too
    app.include_router(health.router, responses=ANY_ROUTE_ERRORS)
    app.include_router(web.router, responses=ANY_ROUTE_ERRORS)
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="static")
    protected = [Depends(require_api_key)]
    for router in (query.router, conversations.router):  # both take a `question` in the body
        app.include_router(
            router, dependencies=[*protected, Depends(limit_question_length)], responses=ANY_ROUTE_ERRORS
        )
    for other in (documents.router, feedback.router, openai_compat.router):
        app.include_router(other, dependencies=protected, responses=ANY_ROUTE_ERRORS)
    return app


def _check_keys_exist(runtime: Runtime) -> None:
    with runtime.db.connection() as conn:
        if active_key_count(conn) == 0:
            raise ConfigError(
                "API keys are required (server.require_api_key, or a non-loopback host) but none exists; "
                "create one with `ragops keys create --name NAME`, or bind to 127.0.0.1"
            )
