"""What test-set generation reads from a collection: a seeded sample of chunks and the corpus fingerprint."""

from __future__ import annotations

from dataclasses import dataclass

from ragops.store.collections import Collection
from ragops.store.connection import Connection

# Ordered by a hash of (seed, content hash, source id, ordinal): the same seed picks the same chunks after a
# re-ingest (database ids change, content does not) and on another server; a new seed reshuffles.
_SAMPLE = """
SELECT d.source_id, c.ordinal, d.title, c.text
FROM chunks c JOIN documents d ON d.id = c.document_id
WHERE c.collection_id = %(cid)s AND c.token_count >= %(min_tokens)s
ORDER BY md5(%(seed)s || ':' || c.content_hash || ':' || d.source_id || ':' || c.ordinal), d.source_id, c.ordinal
LIMIT %(limit)s
"""

# sha256 over the sorted chunk content hashes: any added, removed or edited chunk changes it.
_FINGERPRINT = """
SELECT encode(sha256(convert_to(coalesce(string_agg(content_hash, ',' ORDER BY content_hash), ''), 'UTF8')), 'hex'),
       count(*)
FROM chunks WHERE collection_id = %(cid)s
"""


@dataclass(frozen=True)
class SampledChunk:
    source_id: str
    ordinal: int
    title: str
    text: str


@dataclass(frozen=True)
class CorpusFingerprint:
    sha256: str
    chunks: int


def sample_chunks(
    conn: Connection, collection: Collection, *, limit: int, seed: int, min_tokens: int
) -> list[SampledChunk]:
    """Up to `limit` chunks of at least `min_tokens` tokens, in a seeded pseudo-random order."""
    rows = conn.execute(
        _SAMPLE, {"cid": collection.id, "min_tokens": min_tokens, "seed": str(seed), "limit": limit}
    ).fetchall()
    return [SampledChunk(*row) for row in rows]


def corpus_fingerprint(conn: Connection, collection: Collection) -> CorpusFingerprint:
    row = conn.execute(_FINGERPRINT, {"cid": collection.id}).fetchone()
    assert row is not None  # an aggregate always returns one row
    return CorpusFingerprint(sha256=str(row[0]), chunks=int(row[1]))
