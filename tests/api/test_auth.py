"""API keys: Bearer auth when required, revocation, the per-key rate limit, and refusing to start without keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ragops.api.app import auth_required, create_app
from ragops.config import Settings
from ragops.errors import ConfigError
from ragops.runtime import Runtime
from ragops.store import api_keys


def keyed_settings(runtime: Runtime, **server: object) -> Settings:
    return runtime.settings.model_copy(
        update={"server": runtime.settings.server.model_copy(update={"require_api_key": True, **server})}
    )


def new_key(runtime: Runtime) -> tuple[str, str]:
    name = f"test-{uuid.uuid4().hex[:8]}"
    with runtime.db.connection() as conn:
        _, secret = api_keys.create_key(conn, name)
    return name, secret


def test_without_any_active_key_a_keyed_server_refuses_to_start(runtime: Runtime) -> None:
    with runtime.db.connection() as conn:
        conn.execute("UPDATE api_keys SET revoked_at = now() WHERE revoked_at IS NULL")

    app = create_app(keyed_settings(runtime), runtime)
    with pytest.raises(ConfigError, match="ragops keys create"), TestClient(app):
        pass


def test_binding_beyond_loopback_turns_keys_on() -> None:
    assert auth_required(Settings(server={"host": "0.0.0.0"}))  # type: ignore[arg-type]
    assert auth_required(Settings(server={"host": "example.internal"}))  # type: ignore[arg-type]
    assert not auth_required(Settings(server={"host": "127.0.0.1"}))  # type: ignore[arg-type]
    assert not auth_required(Settings(server={"host": "::1"}))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def keyed(runtime: Runtime) -> Iterator[tuple[TestClient, str, str]]:
    name, secret = new_key(runtime)
    settings = keyed_settings(runtime, rate_limit_burst=3, rate_limit_per_minute=6.0)
    with TestClient(create_app(settings, runtime)) as client:
        yield client, name, secret


def test_requests_without_a_key_get_401_with_a_hint(keyed: tuple[TestClient, str, str]) -> None:
    client, _, _ = keyed

    response = client.get("/v1/collections")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["detail"]
    assert client.get("/v1/collections", headers={"Authorization": "Bearer rgk_wrong"}).status_code == 401


def test_probes_metrics_and_the_page_stay_open(keyed: tuple[TestClient, str, str]) -> None:
    client, _, _ = keyed

    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics").status_code == 200
    assert client.get("/").status_code == 200


def test_a_valid_key_passes_until_its_rate_limit_then_429_with_retry_after(
    keyed: tuple[TestClient, str, str], runtime: Runtime
) -> None:
    client, name, secret = keyed
    headers = {"Authorization": f"Bearer {secret}"}

    statuses = [client.get("/v1/collections", headers=headers).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]  # burst of 3, refilled at 6/min
    limited = client.get("/v1/collections", headers=headers)
    assert 1 <= int(limited.headers["retry-after"]) <= 10
    assert name in limited.json()["detail"]
    with runtime.db.connection() as conn:
        used = conn.execute("SELECT last_used_at FROM api_keys WHERE name = %s", (name,)).fetchone()
    assert used is not None and used[0] is not None


def test_a_revoked_key_is_refused(keyed: tuple[TestClient, str, str], runtime: Runtime) -> None:
    client, _, _ = keyed
    name, secret = new_key(runtime)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/v1/collections", headers=headers).status_code == 200

    with runtime.db.connection() as conn:
        api_keys.revoke_key(conn, name)

    assert client.get("/v1/collections", headers=headers).status_code == 401


def test_only_the_hash_of_a_key_is_stored(runtime: Runtime) -> None:
    name, secret = new_key(runtime)

    with runtime.db.connection() as conn:
        row = conn.execute("SELECT prefix, key_hash FROM api_keys WHERE name = %s", (name,)).fetchone()

    assert row is not None
    prefix, key_hash = row
    assert secret.startswith(prefix) and len(prefix) < len(secret) // 3
    assert secret not in key_hash and key_hash == api_keys.hash_key(secret)
