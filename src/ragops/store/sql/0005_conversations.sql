-- Conversations: threads of questions and cited answers over one collection.

-- `id` is unguessable (secrets.token_urlsafe): it is what a client holds. `collection` is a name, not a
-- reference: a conversation outlives its collection's deletion and then says so when asked.
-- `owner_key_id` is the API key that created it (NULL while keys are off); no other key can see it.
CREATE TABLE conversations (
    id            text PRIMARY KEY,
    collection    text NOT NULL,
    title         text NOT NULL DEFAULT '',
    owner_key_id  integer REFERENCES api_keys (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_owner_idx ON conversations (owner_key_id, updated_at DESC);

-- One message of a thread. An assistant message records how its question was retrieved: the standalone
-- query and the condense strategy that wrote it, and the trace and request ids that feedback refers to.
CREATE TABLE conversation_messages (
    id                bigserial PRIMARY KEY,
    conversation_id   text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role              text NOT NULL CHECK (role IN ('user', 'assistant')),
    text              text NOT NULL,
    citations         jsonb NOT NULL DEFAULT '[]'::jsonb,
    standalone_query  text,
    condense_strategy text,
    trace_id          text,
    request_id        text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_messages_thread_idx ON conversation_messages (conversation_id, id);
