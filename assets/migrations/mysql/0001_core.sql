-- b24ops data contract, MySQL/MariaDB dialect, version 1.
-- Every time is BIGINT milliseconds since the Unix epoch, UTC: the same numbers on every backend.
-- Columns that are indexed or compared are VARCHAR (InnoDB cannot index TEXT without a prefix);
-- MySQL has no partial indexes, so the error indexes cover every row.

CREATE TABLE b24ops_portals (
    member_id          VARCHAR(64) PRIMARY KEY,
    domain             VARCHAR(255) NOT NULL,
    client_endpoint    MEDIUMTEXT,
    server_endpoint    MEDIUMTEXT,
    access_token       MEDIUMTEXT,
    access_expires_at  BIGINT,
    refresh_token      MEDIUMTEXT,
    refresh_issued_at  BIGINT,
    scope              MEDIUMTEXT,
    app_status         VARCHAR(1) CHECK (app_status IN ('F','D','T','P','L','S')),
    installed_at       BIGINT,
    uninstalled_at     BIGINT,
    last_seen_at       BIGINT,
    last_refresh_at    BIGINT,
    last_refresh_error MEDIUMTEXT,
    version            BIGINT NOT NULL DEFAULT 1,
    updated_at         BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX b24ops_portals_domain ON b24ops_portals (domain);
CREATE INDEX b24ops_portals_refresh ON b24ops_portals (refresh_issued_at);

CREATE TABLE b24ops_api_calls (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    ts                BIGINT NOT NULL,
    member_id         VARCHAR(64) NOT NULL,
    method            VARCHAR(255) NOT NULL,
    http_status       BIGINT,
    error_code        VARCHAR(128),
    error_description MEDIUMTEXT,
    duration_ms       BIGINT,
    operating         DOUBLE,
    request_id        VARCHAR(128),
    task_id           BIGINT,
    source            VARCHAR(64) NOT NULL DEFAULT 'app'
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- newest first for one portal
CREATE INDEX b24ops_api_calls_member ON b24ops_api_calls (member_id, id);
-- time windows
CREATE INDEX b24ops_api_calls_ts ON b24ops_api_calls (ts);
-- error windows and groups: small partial indexes, only failed calls
CREATE INDEX b24ops_api_calls_err_ts ON b24ops_api_calls (ts, member_id, error_code);
CREATE INDEX b24ops_api_calls_err_member ON b24ops_api_calls (member_id, error_code, ts);
CREATE INDEX b24ops_api_calls_err_code ON b24ops_api_calls (error_code, id);

CREATE TABLE b24ops_app_errors (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    ts         BIGINT NOT NULL,
    member_id  VARCHAR(64),
    error_type VARCHAR(255) NOT NULL,
    message    MEDIUMTEXT NOT NULL DEFAULT '',
    context    MEDIUMTEXT,
    source     VARCHAR(64) NOT NULL DEFAULT 'app'
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX b24ops_app_errors_ts ON b24ops_app_errors (ts, member_id, error_type);
CREATE INDEX b24ops_app_errors_member ON b24ops_app_errors (member_id, error_type, ts);

CREATE TABLE b24ops_tasks (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    kind         VARCHAR(128) NOT NULL,
    member_id    VARCHAR(64),
    status       VARCHAR(16) NOT NULL CHECK (status IN ('queued','running','failed','done','discarded')),
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL DEFAULT 5,
    last_error   MEDIUMTEXT,
    payload      MEDIUMTEXT,
    run_at       BIGINT NOT NULL,
    locked_by    VARCHAR(128),
    locked_at    BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    failed_at    BIGINT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX b24ops_tasks_status_failed ON b24ops_tasks (status, failed_at);
CREATE INDEX b24ops_tasks_status_run ON b24ops_tasks (status, run_at);
CREATE INDEX b24ops_tasks_member ON b24ops_tasks (member_id, status);

CREATE TABLE b24ops_task_attempts (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    task_id     BIGINT NOT NULL REFERENCES b24ops_tasks (id) ON DELETE CASCADE,
    attempt     BIGINT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,
    error       MEDIUMTEXT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX b24ops_task_attempts_task ON b24ops_task_attempts (task_id, attempt);

CREATE TABLE b24ops_tickets (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    channel           VARCHAR(16) NOT NULL CHECK (channel IN ('email','form','chat','console','api')),
    member_id         VARCHAR(64),
    domain            VARCHAR(255),
    subject           MEDIUMTEXT NOT NULL,
    requester_name    MEDIUMTEXT,
    requester_email   MEDIUMTEXT,
    priority          VARCHAR(16) NOT NULL DEFAULT 'normal' CHECK (priority IN ('low','normal','high','critical')),
    status            VARCHAR(16) NOT NULL DEFAULT 'new' CHECK (status IN ('new','open','pending','on_hold','solved','closed')),
    assignee          VARCHAR(128),
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    first_response_at BIGINT,
    resolved_at       BIGINT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX b24ops_tickets_status ON b24ops_tickets (status, created_at);
CREATE INDEX b24ops_tickets_member ON b24ops_tickets (member_id, created_at);

CREATE TABLE b24ops_ticket_messages (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES b24ops_tickets (id) ON DELETE CASCADE,
    ts        BIGINT NOT NULL,
    author    MEDIUMTEXT NOT NULL,
    direction VARCHAR(8) NOT NULL CHECK (direction IN ('in','out','note')),
    body      MEDIUMTEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX b24ops_ticket_messages_ticket ON b24ops_ticket_messages (ticket_id, ts);

CREATE TABLE b24ops_ticket_status_history (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES b24ops_tickets (id) ON DELETE CASCADE,
    ts          BIGINT NOT NULL,
    from_status VARCHAR(16),
    to_status   VARCHAR(16) NOT NULL,
    actor       MEDIUMTEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX b24ops_ticket_status_history_ticket ON b24ops_ticket_status_history (ticket_id, ts);

CREATE TABLE b24ops_reviews (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    source_id        VARCHAR(128) NOT NULL UNIQUE,
    member_id        VARCHAR(64),
    author           MEDIUMTEXT NOT NULL,
    rating           BIGINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    text             MEDIUMTEXT NOT NULL,
    submitted_at     BIGINT NOT NULL,
    edited_at        BIGINT,
    reply_draft      MEDIUMTEXT,
    reply_status     VARCHAR(16) NOT NULL DEFAULT 'none' CHECK (reply_status IN ('none','draft','ready','published','outdated')),
    reply_updated_at BIGINT,
    published_at     BIGINT,
    imported_at      BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX b24ops_reviews_submitted ON b24ops_reviews (submitted_at);
CREATE INDEX b24ops_reviews_member ON b24ops_reviews (member_id, submitted_at);

CREATE TABLE b24ops_audit_log (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    ts        BIGINT NOT NULL,
    operator  VARCHAR(128) NOT NULL,
    action    VARCHAR(64) NOT NULL,
    target    VARCHAR(255) NOT NULL,
    member_id VARCHAR(64),
    before_summary MEDIUMTEXT,
    after_summary  MEDIUMTEXT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX b24ops_audit_log_ts ON b24ops_audit_log (ts);
CREATE INDEX b24ops_audit_log_member ON b24ops_audit_log (member_id, id);

CREATE TABLE b24ops_alerts (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    rule             VARCHAR(128) NOT NULL,
    fingerprint      VARCHAR(255) NOT NULL,
    severity         VARCHAR(16) NOT NULL CHECK (severity IN ('info','warning','critical')),
    state            VARCHAR(16) NOT NULL CHECK (state IN ('firing','resolved')),
    member_id        VARCHAR(64),
    summary          MEDIUMTEXT NOT NULL,
    value            DOUBLE,
    first_fired_at   BIGINT NOT NULL,
    last_fired_at    BIGINT NOT NULL,
    resolved_at      BIGINT,
    acknowledged_by  MEDIUMTEXT,
    acknowledged_at  BIGINT,
    snoozed_until    BIGINT,
    last_notified_at BIGINT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX b24ops_alerts_state ON b24ops_alerts (state, last_fired_at);
CREATE INDEX b24ops_alerts_fingerprint ON b24ops_alerts (fingerprint, state);

CREATE TABLE b24ops_incidents (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    title           MEDIUMTEXT NOT NULL,
    severity        VARCHAR(16) NOT NULL CHECK (severity IN ('minor','major','critical')),
    status          VARCHAR(16) NOT NULL CHECK (status IN ('declared','acknowledged','mitigated','resolved')),
    member_id       VARCHAR(64),
    declared_at     BIGINT NOT NULL,
    declared_by     MEDIUMTEXT NOT NULL,
    acknowledged_at BIGINT,
    resolved_at     BIGINT,
    summary         MEDIUMTEXT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX b24ops_incidents_status ON b24ops_incidents (status, declared_at);

CREATE TABLE b24ops_incident_events (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES b24ops_incidents (id) ON DELETE CASCADE,
    ts          BIGINT NOT NULL,
    author      MEDIUMTEXT NOT NULL,
    kind        VARCHAR(128) NOT NULL,
    text        MEDIUMTEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX b24ops_incident_events_incident ON b24ops_incident_events (incident_id, ts);

CREATE TABLE b24ops_maintenance_log (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    check_name   VARCHAR(128) NOT NULL,
    period_start BIGINT NOT NULL,
    done_at      BIGINT NOT NULL,
    operator     VARCHAR(128) NOT NULL,
    notes        MEDIUMTEXT,
    UNIQUE (check_name, period_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
