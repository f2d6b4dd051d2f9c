"""The live uvicorn server fixture, shared with the API tests."""

from tests.api.conftest import live_server  # noqa: F401
