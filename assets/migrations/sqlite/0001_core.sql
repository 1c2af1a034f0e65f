-- b24ops data contract, SQLite dialect, version 1.
-- Every time is INTEGER milliseconds since the Unix epoch, UTC. STRICT tables refuse wrong types,
-- so an app that writes datetime('now') into a time column gets an error instead of a bad row.

CREATE TABLE b24ops_portals (
    member_id          TEXT PRIMARY KEY,
    domain             TEXT NOT NULL,
    client_endpoint    TEXT,
    server_endpoint    TEXT,
    access_token       TEXT,
    access_expires_at  INTEGER,
    refresh_token      TEXT,
    refresh_issued_at  INTEGER,
    scope              TEXT,
    app_status         TEXT CHECK (app_status IN ('F','D','T','P','L','S')),
    installed_at       INTEGER,
    uninstalled_at     INTEGER,
    last_seen_at       INTEGER,
    last_refresh_at    INTEGER,
    last_refresh_error TEXT,
    version            INTEGER NOT NULL DEFAULT 1,
    updated_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX b24ops_portals_domain ON b24ops_portals (domain);
CREATE INDEX b24ops_portals_refresh ON b24ops_portals (refresh_issued_at);

CREATE TABLE b24ops_api_calls (
    id                INTEGER PRIMARY KEY,
    ts                INTEGER NOT NULL,
    member_id         TEXT NOT NULL,
    method            TEXT NOT NULL,
    http_status       INTEGER,
    error_code        TEXT,
    error_description TEXT,
    duration_ms       INTEGER,
    operating         REAL,
    request_id        TEXT,
    task_id           INTEGER,
    source            TEXT NOT NULL DEFAULT 'app'
) STRICT;
-- newest first for one portal
CREATE INDEX b24ops_api_calls_member ON b24ops_api_calls (member_id, id);
-- time windows
CREATE INDEX b24ops_api_calls_ts ON b24ops_api_calls (ts);
-- error windows and groups: small partial indexes, only failed calls
CREATE INDEX b24ops_api_calls_err_ts ON b24ops_api_calls (ts, member_id, error_code) WHERE error_code IS NOT NULL;
CREATE INDEX b24ops_api_calls_err_member ON b24ops_api_calls (member_id, error_code, ts) WHERE error_code IS NOT NULL;
CREATE INDEX b24ops_api_calls_err_id ON b24ops_api_calls (id) WHERE error_code IS NOT NULL;
CREATE INDEX b24ops_api_calls_err_code ON b24ops_api_calls (error_code, id) WHERE error_code IS NOT NULL;

CREATE TABLE b24ops_app_errors (
    id         INTEGER PRIMARY KEY,
    ts         INTEGER NOT NULL,
    member_id  TEXT,
    error_type TEXT NOT NULL,
    message    TEXT NOT NULL DEFAULT '',
    context    TEXT,
    source     TEXT NOT NULL DEFAULT 'app'
) STRICT;
CREATE INDEX b24ops_app_errors_ts ON b24ops_app_errors (ts, member_id, error_type);
CREATE INDEX b24ops_app_errors_member ON b24ops_app_errors (member_id, error_type, ts);

CREATE TABLE b24ops_tasks (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    member_id    TEXT,
    status       TEXT NOT NULL CHECK (status IN ('queued','running','failed','done','discarded')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    last_error   TEXT,
    payload      TEXT,
    run_at       INTEGER NOT NULL,
    locked_by    TEXT,
    locked_at    INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    failed_at    INTEGER
) STRICT;
CREATE INDEX b24ops_tasks_status_failed ON b24ops_tasks (status, failed_at);
CREATE INDEX b24ops_tasks_status_run ON b24ops_tasks (status, run_at);
CREATE INDEX b24ops_tasks_member ON b24ops_tasks (member_id, status);

CREATE TABLE b24ops_task_attempts (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES b24ops_tasks (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    error       TEXT
) STRICT;
CREATE INDEX b24ops_task_attempts_task ON b24ops_task_attempts (task_id, attempt);

CREATE TABLE b24ops_tickets (
    id                INTEGER PRIMARY KEY,
    channel           TEXT NOT NULL CHECK (channel IN ('email','form','chat','console','api')),
    member_id         TEXT,
    domain            TEXT,
    subject           TEXT NOT NULL,
    requester_name    TEXT,
    requester_email   TEXT,
    priority          TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low','normal','high','critical')),
    status            TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','open','pending','on_hold','solved','closed')),
    assignee          TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    first_response_at INTEGER,
    resolved_at       INTEGER
) STRICT;
CREATE INDEX b24ops_tickets_status ON b24ops_tickets (status, created_at);
CREATE INDEX b24ops_tickets_member ON b24ops_tickets (member_id, created_at);

CREATE TABLE b24ops_ticket_messages (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES b24ops_tickets (id) ON DELETE CASCADE,
    ts        INTEGER NOT NULL,
    author    TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in','out','note')),
    body      TEXT NOT NULL
) STRICT;
CREATE INDEX b24ops_ticket_messages_ticket ON b24ops_ticket_messages (ticket_id, ts);

CREATE TABLE b24ops_ticket_status_history (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES b24ops_tickets (id) ON DELETE CASCADE,
    ts          INTEGER NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL
) STRICT;
CREATE INDEX b24ops_ticket_status_history_ticket ON b24ops_ticket_status_history (ticket_id, ts);

CREATE TABLE b24ops_reviews (
    id               INTEGER PRIMARY KEY,
    source_id        TEXT NOT NULL UNIQUE,
    member_id        TEXT,
    author           TEXT NOT NULL,
    rating           INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    text             TEXT NOT NULL,
    submitted_at     INTEGER NOT NULL,
    edited_at        INTEGER,
    reply_draft      TEXT,
    reply_status     TEXT NOT NULL DEFAULT 'none' CHECK (reply_status IN ('none','draft','ready','published','outdated')),
    reply_updated_at INTEGER,
    published_at     INTEGER,
    imported_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX b24ops_reviews_submitted ON b24ops_reviews (submitted_at);
CREATE INDEX b24ops_reviews_member ON b24ops_reviews (member_id, submitted_at);

CREATE TABLE b24ops_audit_log (
    id        INTEGER PRIMARY KEY,
    ts        INTEGER NOT NULL,
    operator  TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    member_id TEXT,
    before_summary TEXT,
    after_summary  TEXT
) STRICT;
CREATE INDEX b24ops_audit_log_ts ON b24ops_audit_log (ts);
CREATE INDEX b24ops_audit_log_member ON b24ops_audit_log (member_id, id);

CREATE TABLE b24ops_alerts (
    id               INTEGER PRIMARY KEY,
    rule             TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    severity         TEXT NOT NULL CHECK (severity IN ('info','warning','critical')),
    state            TEXT NOT NULL CHECK (state IN ('firing','resolved')),
    member_id        TEXT,
    summary          TEXT NOT NULL,
    value            REAL,
    first_fired_at   INTEGER NOT NULL,
    last_fired_at    INTEGER NOT NULL,
    resolved_at      INTEGER,
    acknowledged_by  TEXT,
    acknowledged_at  INTEGER,
    snoozed_until    INTEGER,
    last_notified_at INTEGER
) STRICT;
CREATE INDEX b24ops_alerts_state ON b24ops_alerts (state, last_fired_at);
CREATE INDEX b24ops_alerts_fingerprint ON b24ops_alerts (fingerprint, state);

CREATE TABLE b24ops_incidents (
    id              INTEGER PRIMARY KEY,
    title           TEXT NOT NULL,
    severity        TEXT NOT NULL CHECK (severity IN ('minor','major','critical')),
    status          TEXT NOT NULL CHECK (status IN ('declared','acknowledged','mitigated','resolved')),
    member_id       TEXT,
    declared_at     INTEGER NOT NULL,
    declared_by     TEXT NOT NULL,
    acknowledged_at INTEGER,
    resolved_at     INTEGER,
    summary         TEXT
) STRICT;
CREATE INDEX b24ops_incidents_status ON b24ops_incidents (status, declared_at);

CREATE TABLE b24ops_incident_events (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES b24ops_incidents (id) ON DELETE CASCADE,
    ts          INTEGER NOT NULL,
    author      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL
) STRICT;
CREATE INDEX b24ops_incident_events_incident ON b24ops_incident_events (incident_id, ts);

CREATE TABLE b24ops_maintenance_log (
    id           INTEGER PRIMARY KEY,
    check_name   TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    done_at      INTEGER NOT NULL,
    operator     TEXT NOT NULL,
    notes        TEXT,
    UNIQUE (check_name, period_start)
) STRICT;
