-- What b24ops knows about a portal beyond its tokens, keyed by member_id: the application_token
-- the events carry, why refresh stopped, payment and method-confirmation news. When the app's own
-- token table is mapped, also everything that table lacks (refresh history, install times) —
-- never a token.
CREATE TABLE b24ops_portal_state (
    member_id          TEXT PRIMARY KEY,
    domain             TEXT,
    application_token  TEXT,
    installed_at       INTEGER,
    uninstalled_at     INTEGER,
    last_seen_at       INTEGER,
    last_refresh_at    INTEGER,
    last_refresh_by    TEXT,
    last_refresh_error TEXT,
    refresh_blocked    TEXT,
    app_status         TEXT,
    payment_expired    INTEGER,
    payment_days       INTEGER,
    payment_at         INTEGER,
    confirm_method     TEXT,
    confirm_decision   TEXT,
    confirm_at         INTEGER,
    updated_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX b24ops_portal_state_blocked ON b24ops_portal_state (refresh_blocked);
