-- Failed calls and app errors counted per (portal, error type, source, hour), kept by triggers in
-- the same transaction as each insert or delete, so the Errors tab and the alert rules read a day
-- of errors from a few rows per group instead of every failed call. member_id is '' for app
-- errors that name no portal. first_ts/last_ts are the earliest and latest error inserted into
-- the hour; a delete lowers n but leaves them (they only bound the hour).
-- With binary logging on, creating triggers needs SUPER or log_bin_trust_function_creators = 1.
-- MySQL commits each statement here, so errors written while this migration runs may be counted
-- in their hour's row once too often or not at all; such an hour leaves the windows after a day.
CREATE TABLE b24ops_error_hours (
    member_id  VARCHAR(64) NOT NULL,
    error_type VARCHAR(255) NOT NULL,
    source     VARCHAR(8) NOT NULL,
    hour       BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    first_ts   BIGINT NOT NULL,
    last_ts    BIGINT NOT NULL,
    PRIMARY KEY (member_id, error_type, source, hour)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- a time window across every group, and retention
CREATE INDEX b24ops_error_hours_hour ON b24ops_error_hours (hour);
-- one error type across portals (the Errors tab grouped by type)
CREATE INDEX b24ops_error_hours_type ON b24ops_error_hours (error_type, source, hour);

INSERT INTO b24ops_error_hours (member_id, error_type, source, hour, n, first_ts, last_ts)
SELECT member_id, error_code, 'rest', (ts DIV 3600000) * 3600000, COUNT(*), MIN(ts), MAX(ts)
FROM b24ops_api_calls WHERE error_code IS NOT NULL GROUP BY member_id, error_code, (ts DIV 3600000) * 3600000;

INSERT INTO b24ops_error_hours (member_id, error_type, source, hour, n, first_ts, last_ts)
SELECT COALESCE(member_id, ''), error_type, 'app', (ts DIV 3600000) * 3600000, COUNT(*), MIN(ts), MAX(ts)
FROM b24ops_app_errors GROUP BY COALESCE(member_id, ''), error_type, (ts DIV 3600000) * 3600000;

CREATE TRIGGER b24ops_api_calls_error_hours_ins AFTER INSERT ON b24ops_api_calls FOR EACH ROW
INSERT INTO b24ops_error_hours (member_id, error_type, source, hour, n, first_ts, last_ts)
SELECT NEW.member_id, NEW.error_code, 'rest', (NEW.ts DIV 3600000) * 3600000, 1, NEW.ts, NEW.ts FROM DUAL
WHERE NEW.error_code IS NOT NULL
ON DUPLICATE KEY UPDATE n = n + 1, first_ts = LEAST(first_ts, NEW.ts), last_ts = GREATEST(last_ts, NEW.ts);

CREATE TRIGGER b24ops_api_calls_error_hours_del AFTER DELETE ON b24ops_api_calls FOR EACH ROW
UPDATE b24ops_error_hours SET n = n - 1
WHERE OLD.error_code IS NOT NULL AND member_id = OLD.member_id AND error_type = OLD.error_code
  AND source = 'rest' AND hour = (OLD.ts DIV 3600000) * 3600000;

CREATE TRIGGER b24ops_app_errors_error_hours_ins AFTER INSERT ON b24ops_app_errors FOR EACH ROW
INSERT INTO b24ops_error_hours (member_id, error_type, source, hour, n, first_ts, last_ts)
VALUES (COALESCE(NEW.member_id, ''), NEW.error_type, 'app', (NEW.ts DIV 3600000) * 3600000, 1, NEW.ts, NEW.ts)
ON DUPLICATE KEY UPDATE n = n + 1, first_ts = LEAST(first_ts, NEW.ts), last_ts = GREATEST(last_ts, NEW.ts);

CREATE TRIGGER b24ops_app_errors_error_hours_del AFTER DELETE ON b24ops_app_errors FOR EACH ROW
UPDATE b24ops_error_hours SET n = n - 1
WHERE member_id = COALESCE(OLD.member_id, '') AND error_type = OLD.error_type
  AND source = 'app' AND hour = (OLD.ts DIV 3600000) * 3600000;
