"""Collections: named knowledge bases, each bound to the embedder that built its vectors."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from ragops.errors import EmbedderMismatchError, NotFoundError, StoreError
from ragops.store.connection import Connection


@dataclass(frozen=True)
class Collection:
    id: int
    name: str
    embedder_id: str | None
    dimension: int | None


def get_or_create_collection(conn: Connection, name: str) -> Collection:
    conn.execute("INSERT INTO collections (name) VALUES (%s) ON CONFLICT (name) DO NOTHING", (name,))
    found = find_collection(conn, name)
    assert found is not None  # just inserted or already there
    return found


def find_collection(conn: Connection, name: str) -> Collection | None:
    row = conn.execute("SELECT id, name, embedder_id, dimension FROM collections WHERE name = %s", (name,)).fetchone()
    return None if row is None else Collection(*row)


def require_collection(conn: Connection, name: str) -> Collection:
    found = find_collection(conn, name)
    if found is None:
        raise NotFoundError(f"collection {name!r} does not exist; create it with `ragops ingest --collection {name}`")
    return found


def bind_embedder(conn: Connection, collection: Collection, embedder_id: str, dimension: int) -> Collection:
    """Record the embedder on first use; refuse a different one afterwards."""
    if collection.embedder_id is None:
        conn.execute(
            "UPDATE collections SET embedder_id = %s, dimension = %s WHERE id = %s AND embedder_id IS NULL",
            (embedder_id, dimension, collection.id),
        )
        bound = require_collection(conn, collection.name)
    else:
        bound = collection
    check_embedder(bound, embedder_id, dimension)
    return bound


def check_embedder(collection: Collection, embedder_id: str, dimension: int) -> None:
    if collection.embedder_id is None:
        return  # nothing indexed yet
    if (collection.embedder_id, collection.dimension) != (embedder_id, dimension):
        raise EmbedderMismatchError(
            f"collection {collection.name!r} was indexed with {collection.embedder_id} "
            f"(dimension {collection.dimension}) but the configured embedder is {embedder_id} "
            f"(dimension {dimension}). Configure the original embedder, or ingest into a new collection "
            "with --collection NAME."
        )


def vector_index_name(collection: Collection) -> sql.Identifier:
    return sql.Identifier(f"chunks_embedding_hnsw_c{collection.id}")


def vector_expression(collection: Collection) -> sql.Composed:
    """embedding::vector(d): the expression the collection's HNSW index is built on."""
    if collection.dimension is None:
        raise StoreError(f"collection {collection.name!r} has no vectors yet; ingest documents first")
    return sql.SQL("embedding::vector({})").format(sql.Literal(collection.dimension))


def ensure_vector_index(conn: Connection, collection: Collection) -> None:
    """Build the collection's partial HNSW cosine index if it is missing (idempotent)."""
    conn.execute(
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS {name} ON chunks USING hnsw (({expr}) vector_cosine_ops) "
            "WHERE collection_id = {cid}"
        ).format(
            name=vector_index_name(collection),
            expr=vector_expression(collection),
            cid=sql.Literal(collection.id),
        )
    )


def drop_vector_index(conn: Connection, collection: Collection) -> None:
    conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(vector_index_name(collection)))
