-- Idempotency keys of the intake: a request's key is stored in the same transaction as its rows,
-- with the answer it got, so a client that retries after losing the answer is given that answer
-- again and no row is written twice. Keys are forgotten after a day.
CREATE TABLE b24ops_intake_keys (
    route VARCHAR(32) NOT NULL,
    idem_key VARCHAR(255) NOT NULL,
    fingerprint VARCHAR(64) NOT NULL,
    status INT NOT NULL,
    answer MEDIUMTEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (route, idem_key)
);
CREATE INDEX b24ops_intake_keys_created ON b24ops_intake_keys (created_at);
