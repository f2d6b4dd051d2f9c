"""The CLI as a user runs it."""

import json
import os

import pytest
from typer.testing import CliRunner

from ragops.cli import app
from ragops.runtime import Runtime

runner = CliRunner()


@pytest.fixture
def home_env(runtime: Runtime) -> dict[str, str]:
    return {"RAGOPS_HOME": str(runtime.settings.home), "COLUMNS": "200"}


def test_ask_json_prints_valid_json(home_env: dict[str, str], sample_collection: str) -> None:
    result = runner.invoke(
        app,
        ["ask", "--json", "--collection", sample_collection, "What is retrieval-augmented generation?"],
        env=home_env,
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["question"] == "What is retrieval-augmented generation?"
    assert answer["citations"]
    assert len(answer["trace_id"]) == 32


def test_ask_shows_where_each_sentence_comes_from(home_env: dict[str, str], sample_collection: str) -> None:
    # The profile's default (extractive) mode: every sentence is a passage's own, so each is named, not repeated.
    result = runner.invoke(
        app, ["ask", "--collection", sample_collection, "What is retrieval-augmented generation?"], env=home_env
    )
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    per_sentence = [line for line in lines if line.startswith("1. [")]
    assert per_sentence and "quoted verbatim from" in per_sentence[0]


def test_ask_an_empty_question_fails_with_a_message(home_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["ask", "  "], env=home_env)
    assert result.exit_code == 1
    assert "empty" in result.stderr


def test_ask_an_unknown_collection_says_how_to_create_it(home_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["ask", "--collection", "nowhere", "anything"], env=home_env)
    assert result.exit_code == 1
    assert "ragops ingest --collection nowhere" in result.stderr


def test_config_show_masks_the_database_password() -> None:
    result = runner.invoke(
        app, ["config", "show"], env={"DATABASE_URL": "postgresql://u:hunter2@db:5432/x", "RAGOPS_HOME": os.devnull}
    )
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.stdout
    assert json.loads(result.stdout)["database"]["url"] == "**********"


def test_ingest_a_missing_path_fails_cleanly(home_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["ingest", "/no/such/file.jsonl"], env=home_env)
    assert result.exit_code == 1
    assert "does not exist" in result.stderr
