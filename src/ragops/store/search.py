"""Ranked chunk queries: dense (pgvector HNSW, cosine) and keyword (BM25 over postings, or ts_rank)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from psycopg import sql

from ragops.store.collections import Collection, vector_expression
from ragops.store.connection import Connection
from ragops.types import Candidate, SearchFilters

# Never server-side prepared: PostgreSQL's generic plan for a ranked query ignores the actual vector,
# terms and LIMIT, and was measured 10x slower (15 ms -> 200 ms, HNSW on SciFact) than a custom one.
_SERVER_PREPARE = False
_COLUMNS = sql.SQL("c.id, c.document_id, c.ordinal, c.text, d.title, d.source, d.source_id, d.uri")


def dense_search(
    conn: Connection,
    collection: Collection,
    query_embedding: np.ndarray,
    limit: int,
    filters: SearchFilters | None = None,
    ef_search: int = 100,
) -> list[Candidate]:
    """Nearest chunks by cosine distance; score = cosine similarity.

    `::integer` matters: psycopg sends small ints as int2, and the planner cannot match
    `collection_id = <int2>` to the partial index's `collection_id = <int4>` predicate.
    """
    where, params = _filter_clause(filters)
    params |= {"cid": collection.id, "q": query_embedding, "limit": limit}
    query = sql.SQL(
        "SELECT {columns}, 1 - ({vec} <=> %(q)s) AS similarity"
        " FROM chunks c JOIN documents d ON d.id = c.document_id"
        " WHERE c.collection_id = %(cid)s::integer {where}"
        " ORDER BY {vec} <=> %(q)s LIMIT %(limit)s"
    ).format(columns=_COLUMNS, vec=sql.SQL("c.") + vector_expression(collection), where=where)
    with conn.transaction():
        # strict_order: keep scanning the graph when filters drop rows, so LIMIT is still met.
        conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(ef_search),))
        conn.execute("SELECT set_config('hnsw.iterative_scan', 'strict_order', true)")
        rows = conn.execute(query, params, prepare=_SERVER_PREPARE).fetchall()
    return [_candidate(row, score=float(row[8]), similarity=float(row[8])) for row in rows]


def ts_rank_search(
    conn: Connection,
    collection: Collection,
    text: str,
    limit: int,
    filters: SearchFilters | None = None,
) -> list[Candidate]:
    """Chunks matching any of the question's stemmed terms, ranked by ts_rank (length-normalised)."""
    where, params = _filter_clause(filters)
    params |= {"cid": collection.id, "text": text, "limit": limit}
    # plainto_tsquery ANDs every term, so a natural-language question would match almost nothing:
    # turn its '&' into '|' and let the ranking sort out how many terms a chunk has.
    query = sql.SQL(
        "WITH q AS (SELECT replace(plainto_tsquery('english', %(text)s)::text, '&', '|')::tsquery AS tsq)"
        " SELECT {columns}, ts_rank(c.tsv, q.tsq, 1) AS rank"
        " FROM q, chunks c JOIN documents d ON d.id = c.document_id"
        " WHERE c.collection_id = %(cid)s::integer AND c.tsv @@ q.tsq {where}"
        " ORDER BY rank DESC, c.id LIMIT %(limit)s"
    ).format(columns=_COLUMNS, where=where)
    rows = conn.execute(query, params, prepare=_SERVER_PREPARE).fetchall()
    return [_candidate(row, score=float(row[8])) for row in rows]


def bm25_search(
    conn: Connection,
    collection: Collection,
    text: str,
    limit: int,
    filters: SearchFilters | None = None,
    *,
    k1: float,
    b: float,
) -> list[Candidate]:
    """Okapi BM25 over the collection's postings (migration 0002), Lucene's idf; score = BM25.

    Query terms are the question's lexemes under the same 'english' configuration as chunks.tsv.
    """
    where, params = _filter_clause(filters)
    params |= {"cid": collection.id, "text": text, "limit": limit, "k1": k1, "b": b}
    # Unfiltered, the top `limit` are cut from the scores alone, before any join to chunks and documents.
    filtered = sql.SQL(" JOIN chunks c ON c.id = sc.chunk_id JOIN documents d ON d.id = c.document_id")
    query = sql.SQL(
        "WITH stats AS ("
        "   SELECT chunk_count::float8 AS n, total_length::float8 / greatest(chunk_count, 1) AS avgdl"
        "   FROM collection_term_stats WHERE collection_id = %(cid)s),"
        " postings AS ("
        "   SELECT ct.chunk_id, ct.tf, ct.chunk_length, count(*) OVER (PARTITION BY ct.lexeme) AS df"
        "   FROM chunk_terms ct WHERE ct.collection_id = %(cid)s"
        "   AND ct.lexeme = ANY(tsvector_to_array(to_tsvector('english', %(text)s)))),"
        " scored AS ("
        "   SELECT p.chunk_id, sum(ln(1 + (s.n - p.df + 0.5) / (p.df + 0.5)) * p.tf * (%(k1)s + 1)"
        "       / (p.tf + %(k1)s * (1 - %(b)s + %(b)s * p.chunk_length / s.avgdl))) AS score"
        "   FROM postings p, stats s GROUP BY p.chunk_id),"
        " top AS ("
        "   SELECT sc.chunk_id, sc.score FROM scored sc {filtered} WHERE true {where}"
        "   ORDER BY sc.score DESC, sc.chunk_id LIMIT %(limit)s)"
        " SELECT {columns}, top.score FROM top"
        " JOIN chunks c ON c.id = top.chunk_id JOIN documents d ON d.id = c.document_id"
        " ORDER BY top.score DESC, top.chunk_id"
    ).format(columns=_COLUMNS, where=where, filtered=filtered if filters else sql.SQL(""))
    rows = conn.execute(query, params, prepare=_SERVER_PREPARE).fetchall()
    return [_candidate(row, score=float(row[8])) for row in rows]


def chunk_embeddings(conn: Connection, chunk_ids: Sequence[int]) -> dict[int, np.ndarray]:
    """Stored vectors of these chunks (for diversity reranking), by chunk id."""
    rows = conn.execute("SELECT id, embedding::real[] FROM chunks WHERE id = ANY(%s)", (list(chunk_ids),)).fetchall()
    return {r[0]: np.asarray(r[1], dtype=np.float32) for r in rows}


def collection_categories(conn: Connection, collection: Collection) -> set[str]:
    """Every category name used by the collection's documents (to validate extracted filters)."""
    rows = conn.execute(
        "SELECT DISTINCT jsonb_array_elements_text(d.metadata -> 'categories') FROM documents d"
        " WHERE d.collection_id = %s AND jsonb_typeof(d.metadata -> 'categories') = 'array'",
        (collection.id,),
    ).fetchall()
    return {str(r[0]) for r in rows}


def _filter_clause(filters: SearchFilters | None) -> tuple[sql.Composable, dict[str, Any]]:
    """AND-ed parameterised conditions on documents `d`."""
    if filters is None:
        return sql.SQL(""), {}
    parts: list[sql.Composable] = []
    params: dict[str, Any] = {}
    if filters.categories:
        parts.append(sql.SQL("d.metadata -> 'categories' ?| %(categories)s"))
        params["categories"] = list(filters.categories)
    if filters.sources:
        parts.append(sql.SQL("d.source = ANY(%(sources)s)"))
        params["sources"] = list(filters.sources)
    if filters.published_from:
        parts.append(sql.SQL("d.published >= %(published_from)s"))
        params["published_from"] = filters.published_from
    if filters.published_to:
        parts.append(sql.SQL("d.published <= %(published_to)s"))
        params["published_to"] = filters.published_to
    if not parts:
        return sql.SQL(""), {}
    return sql.SQL(" AND ") + sql.SQL(" AND ").join(parts), params


def _candidate(row: tuple[Any, ...], score: float, similarity: float | None = None) -> Candidate:
    return Candidate(
        chunk_id=row[0],
        document_id=row[1],
        ordinal=row[2],
        text=row[3],
        title=row[4],
        source=row[5],
        source_id=row[6],
        uri=row[7],
        score=score,
        similarity=similarity,
    )
