-- The outbox: one row per public reply that must reach the customer. `delivery_key` is unique, so
-- a message is queued once; `claim` is set by a compare-and-swap before sending, so two
-- deliverers (the console, serve, watch) never send the same row.
CREATE TABLE b24ops_outbox (
    id              INTEGER PRIMARY KEY,
    delivery_key    TEXT NOT NULL UNIQUE,
    ticket_id       INTEGER NOT NULL REFERENCES b24ops_tickets (id) ON DELETE CASCADE,
    message_row     INTEGER NOT NULL REFERENCES b24ops_ticket_messages (id) ON DELETE CASCADE,
    channel         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued','sending','sent','failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    claim           TEXT,
    claimed_at      INTEGER,
    last_error      TEXT,
    sent_at         INTEGER,
    created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX b24ops_outbox_due ON b24ops_outbox (state, next_attempt_at);
CREATE INDEX b24ops_outbox_message ON b24ops_outbox (message_row);
