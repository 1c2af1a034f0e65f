-- Failed calls and app errors counted per (portal, error type, source, hour), kept by triggers in
-- the same transaction as each insert or delete, so the Errors tab and the alert rules read a day
-- of errors from a few rows per group instead of every failed call. member_id is '' for app
-- errors that name no portal. first_ts/last_ts are the earliest and latest error inserted into
-- the hour; a delete lowers n but leaves them (they only bound the hour).
CREATE TABLE b24ops_error_hours (
    member_id  TEXT NOT NULL,
    error_type TEXT NOT NULL,
    source     TEXT NOT NULL,
    hour       INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    first_ts   INTEGER NOT NULL,
    last_ts    INTEGER NOT NULL,
    PRIMARY KEY (member_id, error_type, source, hour)
) STRICT, WITHOUT ROWID;
-- a time window across every group, and retention
CREATE INDEX b24ops_error_hours_hour ON b24ops_error_hours (hour);
-- one error type across portals (the Errors tab grouped by type)
CREATE INDEX b24ops_error_hours_type ON b24ops_error_hours (error_type, source, hour);

INSERT INTO b24ops_error_hours (member_id, error_type, source, hour, n, first_ts, last_ts)
SELECT member_id, error_code, 'rest', (ts / 3600000) * 3600000, COUNT(*), MIN(ts), MAX(ts)
FROM b24ops_api_calls WHERE error_code IS NOT NULL GROUP BY member_id, error_code, (ts / 3600000) * 3600000;

INSERT INTO b24ops_error_hours (member_id, error_type, source, hour, n, first_ts, last_ts)
SELECT COALESCE(member_id, ''), error_type, 'app', (ts / 3600000) * 3600000, COUNT(*), MIN(ts), MAX(ts)
FROM b24ops_app_errors GROUP BY COALESCE(member_id, ''), error_type, (ts / 3600000) * 3600000;

CREATE TRIGGER b24ops_api_calls_error_hours_ins AFTER INSERT ON b24ops_api_calls
WHEN NEW.error_code IS NOT NULL
BEGIN
    INSERT INTO b24ops_error_hours (member_id, error_type, source, hour, n, first_ts, last_ts)
    VALUES (NEW.member_id, NEW.error_code, 'rest', (NEW.ts / 3600000) * 3600000, 1, NEW.ts, NEW.ts)
    ON CONFLICT (member_id, error_type, source, hour) DO UPDATE SET
        n = n + 1, first_ts = MIN(first_ts, excluded.first_ts), last_ts = MAX(last_ts, excluded.last_ts);
END;

CREATE TRIGGER b24ops_api_calls_error_hours_del AFTER DELETE ON b24ops_api_calls
WHEN OLD.error_code IS NOT NULL
BEGIN
    UPDATE b24ops_error_hours SET n = n - 1
    WHERE member_id = OLD.member_id AND error_type = OLD.error_code AND source = 'rest'
      AND hour = (OLD.ts / 3600000) * 3600000;
END;

CREATE TRIGGER b24ops_app_errors_error_hours_ins AFTER INSERT ON b24ops_app_errors
BEGIN
    INSERT INTO b24ops_error_hours (member_id, error_type, source, hour, n, first_ts, last_ts)
    VALUES (COALESCE(NEW.member_id, ''), NEW.error_type, 'app', (NEW.ts / 3600000) * 3600000, 1, NEW.ts, NEW.ts)
    ON CONFLICT (member_id, error_type, source, hour) DO UPDATE SET
        n = n + 1, first_ts = MIN(first_ts, excluded.first_ts), last_ts = MAX(last_ts, excluded.last_ts);
END;

CREATE TRIGGER b24ops_app_errors_error_hours_del AFTER DELETE ON b24ops_app_errors
BEGIN
    UPDATE b24ops_error_hours SET n = n - 1
    WHERE member_id = COALESCE(OLD.member_id, '') AND error_type = OLD.error_type AND source = 'app'
      AND hour = (OLD.ts / 3600000) * 3600000;
END;
