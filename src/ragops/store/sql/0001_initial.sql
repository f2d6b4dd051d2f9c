-- Collections, documents, chunks (full text + vectors) and ingestion runs.

CREATE EXTENSION IF NOT EXISTS vector;

-- A knowledge base. Its vectors all come from one embedder, recorded on first ingest so that a
-- different embedder can never write into (or query) an index it did not build.
CREATE TABLE collections (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    embedder_id text,
    dimension   integer CHECK (dimension > 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
    id            bigserial PRIMARY KEY,
    collection_id integer NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    source        text NOT NULL,
    source_id     text NOT NULL,
    title         text NOT NULL,
    uri           text,
    published     date,
    metadata      jsonb NOT NULL DEFAULT '{}'::jsonb,
    content_hash  text NOT NULL,  -- everything stored: any change re-ingests the document
    text_hash     text NOT NULL,  -- title and text only: the same paper under two ids is a duplicate
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (collection_id, source, source_id)
);
CREATE INDEX documents_text_hash_idx ON documents (collection_id, text_hash);
CREATE INDEX documents_published_idx ON documents (collection_id, published);
CREATE INDEX documents_categories_idx ON documents USING gin ((metadata -> 'categories'));

-- `embedding` has no fixed dimension: each collection gets a partial HNSW index on
-- (embedding::vector(d)) built by the application once its embedder is known.
CREATE TABLE chunks (
    id            bigserial PRIMARY KEY,
    document_id   bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    collection_id integer NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    ordinal       integer NOT NULL CHECK (ordinal >= 0),
    heading       text NOT NULL DEFAULT '',
    text          text NOT NULL,
    token_count   integer NOT NULL CHECK (token_count > 0),
    content_hash  text NOT NULL,
    tsv           tsvector GENERATED ALWAYS AS (
                      setweight(to_tsvector('english'::regconfig, heading), 'A')
                      || to_tsvector('english'::regconfig, text)
                  ) STORED,
    embedding     vector NOT NULL,
    UNIQUE (document_id, ordinal)
);
CREATE INDEX chunks_tsv_idx ON chunks USING gin (tsv);
CREATE INDEX chunks_content_hash_idx ON chunks (collection_id, content_hash);

CREATE TABLE ingestion_runs (
    id                  bigserial PRIMARY KEY,
    collection_id       integer NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    source              text NOT NULL,
    location            text NOT NULL,
    status              text NOT NULL DEFAULT 'running'
                        CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
    pid                 integer NOT NULL,
    started_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz,
    documents_seen      integer NOT NULL DEFAULT 0,
    documents_added     integer NOT NULL DEFAULT 0,
    documents_updated   integer NOT NULL DEFAULT 0,
    documents_unchanged integer NOT NULL DEFAULT 0,
    documents_duplicate integer NOT NULL DEFAULT 0,
    documents_failed    integer NOT NULL DEFAULT 0,
    chunks_embedded     integer NOT NULL DEFAULT 0,
    chunks_reused       integer NOT NULL DEFAULT 0,
    error               text
);
