-- What b24ops knows about a portal beyond its tokens, keyed by member_id: the application_token
-- the events carry, why refresh stopped, payment and method-confirmation news. When the app's own
-- token table is mapped, also everything that table lacks (refresh history, install times) —
-- never a token.
CREATE TABLE b24ops_portal_state (
    member_id          VARCHAR(64) PRIMARY KEY,
    domain             TEXT,
    application_token  TEXT,
    installed_at       BIGINT,
    uninstalled_at     BIGINT,
    last_seen_at       BIGINT,
    last_refresh_at    BIGINT,
    last_refresh_by    TEXT,
    last_refresh_error TEXT,
    refresh_blocked    TEXT,
    app_status         TEXT,
    payment_expired    BIGINT,
    payment_days       BIGINT,
    payment_at         BIGINT,
    confirm_method     TEXT,
    confirm_decision   TEXT,
    confirm_at         BIGINT,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX b24ops_portal_state_blocked ON b24ops_portal_state (refresh_blocked);
