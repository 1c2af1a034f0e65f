-- What b24ops knows about a portal beyond its tokens, keyed by member_id: the application_token
-- the events carry, why refresh stopped, payment and method-confirmation news. When the app's own
-- token table is mapped, also everything that table lacks (refresh history, install times) —
-- never a token.
CREATE TABLE b24ops_portal_state (
    member_id          VARCHAR(64) PRIMARY KEY,
    domain             MEDIUMTEXT,
    application_token  MEDIUMTEXT,
    installed_at       BIGINT,
    uninstalled_at     BIGINT,
    last_seen_at       BIGINT,
    last_refresh_at    BIGINT,
    last_refresh_by    MEDIUMTEXT,
    last_refresh_error MEDIUMTEXT,
    refresh_blocked    VARCHAR(32),
    app_status         MEDIUMTEXT,
    payment_expired    BIGINT,
    payment_days       BIGINT,
    payment_at         BIGINT,
    confirm_method     MEDIUMTEXT,
    confirm_decision   MEDIUMTEXT,
    confirm_at         BIGINT,
    updated_at         BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX b24ops_portal_state_blocked ON b24ops_portal_state (refresh_blocked);
