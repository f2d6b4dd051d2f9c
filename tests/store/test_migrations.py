import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ragops.runtime import Runtime
from ragops.store.connection import Connection
from ragops.store.migrations import available_migrations, migrate, schema_version


@pytest.fixture
def empty_database(runtime: Runtime) -> Iterator[Connection]:
    """A brand-new database on the same embedded server."""
    name = f"empty_{uuid.uuid4().hex[:8]}"
    with runtime.db.connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # name is ours, not user input
    url = make_conninfo(**{**conninfo_to_dict(runtime.db.pool.conninfo), "dbname": name})
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn
    with runtime.db.connection() as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_migrations_apply_from_empty_and_rerun_as_no_ops(empty_database: Connection) -> None:
    latest = available_migrations()[-1].version
    assert schema_version(empty_database) is None

    assert migrate(empty_database) == [m.version for m in available_migrations()]
    assert schema_version(empty_database) == latest
    assert migrate(empty_database) == []  # second run: nothing to do

    tables = {
        row[0]
        for row in empty_database.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    }
    assert {"collections", "documents", "chunks", "ingestion_runs", "schema_migrations"} <= tables
    extension = empty_database.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    assert extension is not None


def test_migration_files_are_numbered_without_gaps() -> None:
    versions = [m.version for m in available_migrations()]
    assert versions == list(range(1, len(versions) + 1))
