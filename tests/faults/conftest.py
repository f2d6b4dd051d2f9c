"""A database of the faults suite's own: these tests stop it, fill it with fuzz and delete from it at random,
which the session's shared database must never see."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ragops.runtime import Runtime
from ragops.store.database import open_database
from ragops.store.server import stop_embedded_server
from tests.conftest import ARXIV_SAMPLE, ingest_into
from tests.fakes.chat import ScriptedChatModel

OWN_COLLECTION = "faults"
OWN_PAPERS = 12  # enough for retrieval to return passages, quick to embed


def scripted_llm() -> ScriptedChatModel:
    """Answers at once, citing the first passage: the LLM path without the LLM's seconds."""
    return ScriptedChatModel(lambda _prompt: "Retrieval-augmented generation grounds answers in passages [1].")


@pytest.fixture(scope="module")
def own_runtime(runtime: Runtime) -> Iterator[Runtime]:
    with own_home_runtime(runtime) as own:
        yield own


@contextmanager
def own_home_runtime(runtime: Runtime, **database: object) -> Iterator[Runtime]:
    """An embedded PostgreSQL in a home of its own (`database` overrides its settings), with the session's
    embedder and tracer and a scripted LLM."""
    home = Path(tempfile.mkdtemp(prefix="ragops-faults-"))  # not tmp_path: the server's user must reach it
    server = runtime.settings.server.model_copy(update={"rate_limit_per_minute": 1e6, "rate_limit_burst": 10_000})
    settings = runtime.settings.model_copy(
        update={
            "home": home,
            "collection": OWN_COLLECTION,
            "server": server,
            "database": runtime.settings.database.model_copy(update=database),
        }
    )
    db = open_database(settings.database, settings.pgdata)
    sample = home / "sample.jsonl"
    with ARXIV_SAMPLE.open() as lines:
        sample.write_text("".join(itertools.islice(lines, OWN_PAPERS)))
    try:
        own = Runtime(settings=settings, db=db, embedder=runtime.embedder, llm=scripted_llm(), tracer=runtime.tracer)
        ingest_into(own, OWN_COLLECTION, sample)
        yield own
    finally:
        db.close()
        stop_embedded_server(settings.pgdata)
        shutil.rmtree(home, ignore_errors=True)
