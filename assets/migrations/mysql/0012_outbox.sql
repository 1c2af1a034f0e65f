-- The outbox: one row per public reply that must reach the customer. `delivery_key` is unique, so
-- a message is queued once; `claim` is set by a compare-and-swap before sending, so two
-- deliverers (the console, serve, watch) never send the same row.
CREATE TABLE b24ops_outbox (
    id              BIGINT AUTO_INCREMENT PRIMARY KEY,
    delivery_key    VARCHAR(100) NOT NULL UNIQUE,
    ticket_id       BIGINT NOT NULL REFERENCES b24ops_tickets (id) ON DELETE CASCADE,
    message_row     BIGINT NOT NULL REFERENCES b24ops_ticket_messages (id) ON DELETE CASCADE,
    channel         VARCHAR(16) NOT NULL,
    recipient       VARCHAR(254) NOT NULL,
    state           VARCHAR(16) NOT NULL CHECK (state IN ('queued','sending','sent','failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    claim           VARCHAR(64),
    claimed_at      BIGINT,
    last_error      VARCHAR(500),
    sent_at         BIGINT,
    created_at      BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX b24ops_outbox_due ON b24ops_outbox (state, next_attempt_at);
CREATE INDEX b24ops_outbox_message ON b24ops_outbox (message_row);
