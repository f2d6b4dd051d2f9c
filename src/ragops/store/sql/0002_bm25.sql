-- BM25 term statistics, kept exact by triggers in the same transaction that writes chunks.
-- PostgreSQL's ts_rank is not BM25: it has no inverse document frequency. These tables give the
-- keyword search what BM25 needs, derived from chunks.tsv (Snowball-stemmed 'english' lexemes).

-- One posting per (chunk, lexeme): tf = occurrences of the lexeme in the chunk (title included);
-- chunk_length = all lexeme occurrences of the chunk, repeated here so scoring never touches chunks.
CREATE TABLE chunk_terms (
    collection_id integer NOT NULL,
    lexeme        text    NOT NULL,
    chunk_id      bigint  NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
    tf            integer NOT NULL CHECK (tf > 0),
    chunk_length  integer NOT NULL CHECK (chunk_length > 0),
    -- INCLUDE: scoring reads a lexeme's postings from the index alone.
    PRIMARY KEY (collection_id, lexeme, chunk_id) INCLUDE (tf, chunk_length)
);
CREATE INDEX chunk_terms_chunk_idx ON chunk_terms (chunk_id);

-- Per collection: number of chunks with at least one lexeme and their total length (for avgdl).
-- Document frequency is not stored: it is the count of a lexeme's postings, read at query time.
CREATE TABLE collection_term_stats (
    collection_id integer PRIMARY KEY REFERENCES collections (id) ON DELETE CASCADE,
    chunk_count   bigint NOT NULL DEFAULT 0 CHECK (chunk_count >= 0),
    total_length  bigint NOT NULL DEFAULT 0 CHECK (total_length >= 0)
);

-- tf of each lexeme of a tsvector; a stripped lexeme (no positions) counts once.
CREATE FUNCTION ragops_lexeme_counts(doc tsvector)
RETURNS TABLE (lexeme text, tf integer) LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT u.lexeme, coalesce(array_length(u.positions, 1), 1) FROM unnest(doc) AS u
$$;

-- One function for every write: statement-level, so a COPY of 10k chunks costs a few set operations.
CREATE FUNCTION ragops_sync_postings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        -- Lengths come from the old tsv: the FK cascade may already have removed the postings.
        UPDATE collection_term_stats s
        SET chunk_count = s.chunk_count - gone.chunks, total_length = s.total_length - gone.length
        FROM (
            SELECT o.collection_id, count(DISTINCT o.id) AS chunks, sum(t.tf) AS length
            FROM old_rows o, ragops_lexeme_counts(o.tsv) t
            GROUP BY o.collection_id
        ) gone
        WHERE s.collection_id = gone.collection_id;
        DELETE FROM chunk_terms ct USING old_rows o WHERE ct.chunk_id = o.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        WITH counted AS (
            SELECT n.id, n.collection_id, t.lexeme, t.tf, sum(t.tf) OVER (PARTITION BY n.id) AS chunk_length
            FROM new_rows n, ragops_lexeme_counts(n.tsv) t
        ), added AS (
            INSERT INTO chunk_terms (collection_id, lexeme, chunk_id, tf, chunk_length)
            SELECT collection_id, lexeme, id, tf, chunk_length FROM counted
            ORDER BY collection_id, lexeme  -- one lock order for concurrent writers
            RETURNING collection_id, chunk_id, chunk_length
        ), per_chunk AS (
            SELECT DISTINCT collection_id, chunk_id, chunk_length FROM added
        )
        INSERT INTO collection_term_stats AS s (collection_id, chunk_count, total_length)
        SELECT collection_id, count(*), sum(chunk_length) FROM per_chunk GROUP BY collection_id
        ON CONFLICT (collection_id) DO UPDATE
            SET chunk_count = s.chunk_count + EXCLUDED.chunk_count,
                total_length = s.total_length + EXCLUDED.total_length;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER chunks_postings_insert AFTER INSERT ON chunks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ragops_sync_postings();
CREATE TRIGGER chunks_postings_update AFTER UPDATE ON chunks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ragops_sync_postings();
CREATE TRIGGER chunks_postings_delete AFTER DELETE ON chunks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ragops_sync_postings();

-- Backfill the chunks stored before this migration.
WITH counted AS (
    SELECT c.id, c.collection_id, t.lexeme, t.tf, sum(t.tf) OVER (PARTITION BY c.id) AS chunk_length
    FROM chunks c, ragops_lexeme_counts(c.tsv) t
)
INSERT INTO chunk_terms (collection_id, lexeme, chunk_id, tf, chunk_length)
SELECT collection_id, lexeme, id, tf, chunk_length FROM counted;

INSERT INTO collection_term_stats (collection_id, chunk_count, total_length)
SELECT collection_id, count(DISTINCT chunk_id), sum(tf) FROM chunk_terms GROUP BY collection_id;
