-- What collectors fetched, before any cleaning, so the feature pipeline can run again from here
-- (`ragops ingest --from-raw`) without fetching again. A changed document is a new row (another
-- content hash); the same content fetched twice is written once. Collections here are names, not
-- rows of `collections`: raw documents exist before any embedder is bound to a collection.
CREATE TABLE raw_documents (
    id           bigserial PRIMARY KEY,
    collection   text NOT NULL,
    source_kind  text NOT NULL,  -- arxiv, arxiv_fulltext, web, git
    source_id    text NOT NULL,
    uri          text,
    fetched_at   timestamptz NOT NULL DEFAULT now(),
    content_type text NOT NULL,  -- of `body`: text/plain, text/markdown or text/html
    title        text NOT NULL DEFAULT '',
    body         text NOT NULL,
    metadata     jsonb NOT NULL DEFAULT '{}'::jsonb,
    content_hash text NOT NULL,
    UNIQUE (collection, source_kind, source_id, content_hash)
);
-- The latest version of each document: DISTINCT ON (source_kind, source_id) ... ORDER BY id DESC.
CREATE INDEX raw_documents_latest_idx ON raw_documents (collection, source_kind, source_id, id DESC);

-- Where an unfinished paged fetch resumes: one row per (collection, source kind, query) until it completes.
CREATE TABLE collect_cursors (
    collection  text NOT NULL,
    source_kind text NOT NULL,
    query_key   text NOT NULL,
    next_start  integer NOT NULL CHECK (next_start >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (collection, source_kind, query_key)
);
