"""`ragops keys` and the refusal to serve beyond loopback without keys."""

from __future__ import annotations

import uuid

from typer.testing import CliRunner

from ragops.cli import app
from ragops.runtime import Runtime

runner = CliRunner()


def test_keys_create_prints_the_key_once_then_list_and_revoke(runtime: Runtime) -> None:
    env = {"RAGOPS_HOME": str(runtime.settings.home), "COLUMNS": "200"}
    name = f"cli-{uuid.uuid4().hex[:6]}"

    created = runner.invoke(app, ["keys", "create", "--name", name], env=env)
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert secret.startswith("rgk_") and len(secret) > 40
    assert "cannot be shown again" in created.stderr

    listed = runner.invoke(app, ["keys", "list"], env=env)
    assert name in listed.stdout and secret not in listed.stdout and "active" in listed.stdout

    assert runner.invoke(app, ["keys", "create", "--name", name], env=env).exit_code == 1  # names are unique
    assert runner.invoke(app, ["keys", "revoke", name], env=env).exit_code == 0
    again = runner.invoke(app, ["keys", "revoke", name], env=env)
    assert again.exit_code == 1 and "no active API key" in again.stderr


def test_serve_beyond_loopback_without_keys_refuses_to_start(runtime: Runtime) -> None:
    env = {"RAGOPS_HOME": str(runtime.settings.home), "COLUMNS": "200"}
    with runtime.db.connection() as conn:
        conn.execute("UPDATE api_keys SET revoked_at = now() WHERE revoked_at IS NULL")

    result = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--port", "1"], env=env)

    assert result.exit_code == 1
    assert "refusing to listen on 0.0.0.0 without API keys" in result.stderr
