-- Sentry SDKs retry an event they are unsure was delivered, under the same event id: the ids
-- seen recently are kept so a retried event is counted once. Rows older than a week are pruned
-- by the intake itself; no SDK retries for that long.
CREATE TABLE b24ops_sentry_events (
    event_id    VARCHAR(32) PRIMARY KEY,
    received_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
CREATE INDEX b24ops_sentry_events_received ON b24ops_sentry_events (received_at);
