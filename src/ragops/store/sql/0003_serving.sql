-- Serving: background ingestion jobs, answer feedback, and API keys.

-- One uploaded file ingested in the background. A job still queued or running when its server
-- stops is marked failed at the next start (its upload lived in that server's memory).
CREATE TABLE ingestion_jobs (
    id              bigserial PRIMARY KEY,
    collection      text NOT NULL,
    filename        text NOT NULL,
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    documents_total integer NOT NULL DEFAULT 0,
    documents_done  integer NOT NULL DEFAULT 0,
    chunks_written  integer NOT NULL DEFAULT 0,
    document_id     bigint REFERENCES documents (id) ON DELETE SET NULL,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz
);

-- A rating of one answer. trace_id / request_id are stored as the client sent them: tracing
-- lands later, and feedback must not be lost meanwhile.
CREATE TABLE feedback (
    id          bigserial PRIMARY KEY,
    trace_id    text,
    request_id  text,
    rating      smallint NOT NULL CHECK (rating IN (-1, 1)),
    comment     text,
    api_key_id  integer,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (trace_id IS NOT NULL OR request_id IS NOT NULL)
);
CREATE INDEX feedback_trace_idx ON feedback (trace_id);
CREATE INDEX feedback_request_idx ON feedback (request_id);

-- Only the sha256 of a key is stored; `prefix` (its first characters) lets people tell keys apart.
CREATE TABLE api_keys (
    id           serial PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    prefix       text NOT NULL,
    key_hash     text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
