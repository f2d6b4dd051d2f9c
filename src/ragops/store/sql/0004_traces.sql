-- Finished traces, one row each: what `ragops traces` and the monitoring job read back.
-- PostgreSQL is always there; MLflow and OTLP collectors are optional sinks.
CREATE TABLE traces (
    trace_id    text PRIMARY KEY,
    name        text NOT NULL,
    started_at  timestamptz NOT NULL,
    duration_ms double precision NOT NULL,
    status      text NOT NULL CHECK (status IN ('ok', 'error')),
    attributes  jsonb NOT NULL,  -- the root span's
    spans       jsonb NOT NULL   -- every span, in start order
);
CREATE INDEX traces_started_idx ON traces (started_at DESC);
