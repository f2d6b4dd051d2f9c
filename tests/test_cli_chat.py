"""`ragops chat` on the real database and models: a thread in the terminal, stored, resumable."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from ragops.cli import app
from ragops.runtime import Runtime
from ragops.store import conversations as store

runner = CliRunner()


def test_a_follow_up_in_the_terminal_finds_the_paper_of_the_first_answer(
    runtime: Runtime, sample_collection: str
) -> None:
    env = {"RAGOPS_HOME": str(runtime.settings.home), "COLUMNS": "200"}
    turns = "What is RAGSmith?\nWhat datasets does it use?\n/sources\n/exit\n"
    result = runner.invoke(app, ["chat", "--collection", sample_collection], input=turns, env=env)
    assert result.exit_code == 0, result.output
    found = re.search(r"ragops chat --resume (\S+)", result.stdout)
    assert found, result.stdout
    conversation_id = found[1]

    # the follow-up names no paper: it was searched with the paper the first answer cited
    searched = [line for line in result.stdout.splitlines() if line.startswith("searched for:")]
    assert searched and "RAGSmith" in searched[0]
    with runtime.db.connection() as conn:
        messages = store.list_messages(conn, conversation_id)
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert any("RAGSmith" in c["title"] for c in messages[3].citations)

    # resuming shows the thread so far
    resumed = runner.invoke(app, ["chat", "--resume", conversation_id], input="/exit\n", env=env)
    assert resumed.exit_code == 0, resumed.output
    assert "you> What datasets does it use?" in resumed.stdout


def test_resuming_an_unknown_conversation_says_so(runtime: Runtime) -> None:
    env = {"RAGOPS_HOME": str(runtime.settings.home)}
    result = runner.invoke(app, ["chat", "--resume", "no-such-conversation"], input="/exit\n", env=env)
    assert result.exit_code == 1
    assert "no-such-conversation" in result.stderr
