-- Failed calls and app errors counted per (portal, error type, source, hour), kept by triggers in
-- the same transaction as each insert or delete, so the Errors tab and the alert rules read a day
-- of errors from a few rows per group instead of every failed call. member_id is '' for app
-- errors that name no portal. first_ts/last_ts are the earliest and latest error inserted into
-- the hour; a delete lowers n but leaves them (they only bound the hour).
CREATE TABLE b24ops_error_hours (
    member_id  TEXT NOT NULL,
    error_type TEXT NOT NULL,
    source     TEXT NOT NULL,
    hour       BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    first_ts   BIGINT NOT NULL,
    last_ts    BIGINT NOT NULL,
    -- covering: a group's day is read from the index alone
    PRIMARY KEY (member_id, error_type, source, hour) INCLUDE (n, first_ts)
);
-- a time window across every group, and retention
CREATE INDEX b24ops_error_hours_hour ON b24ops_error_hours (hour);
-- one error type across portals (the Errors tab grouped by type)
CREATE INDEX b24ops_error_hours_type ON b24ops_error_hours (error_type, source, hour);

CREATE FUNCTION b24ops_error_hours_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    m TEXT; t TEXT; src TEXT; stamp BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF TG_TABLE_NAME = 'b24ops_api_calls' THEN
            m := OLD.member_id; t := OLD.error_code; src := 'rest';
        ELSE
            m := COALESCE(OLD.member_id, ''); t := OLD.error_type; src := 'app';
        END IF;
        UPDATE b24ops_error_hours SET n = n - 1
        WHERE member_id = m AND error_type = t AND source = src AND hour = (OLD.ts / 3600000) * 3600000;
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'b24ops_api_calls' THEN
        m := NEW.member_id; t := NEW.error_code; src := 'rest';
    ELSE
        m := COALESCE(NEW.member_id, ''); t := NEW.error_type; src := 'app';
    END IF;
    stamp := NEW.ts;
    INSERT INTO b24ops_error_hours (member_id, error_type, source, hour, n, first_ts, last_ts)
    VALUES (m, t, src, (stamp / 3600000) * 3600000, 1, stamp, stamp)
    ON CONFLICT (member_id, error_type, source, hour) DO UPDATE SET
        n = b24ops_error_hours.n + 1,
        first_ts = LEAST(b24ops_error_hours.first_ts, EXCLUDED.first_ts),
        last_ts = GREATEST(b24ops_error_hours.last_ts, EXCLUDED.last_ts);
    RETURN NULL;
END
$$;

CREATE TRIGGER b24ops_api_calls_error_hours_ins AFTER INSERT ON b24ops_api_calls
FOR EACH ROW WHEN (NEW.error_code IS NOT NULL) EXECUTE FUNCTION b24ops_error_hours_count();
CREATE TRIGGER b24ops_api_calls_error_hours_del AFTER DELETE ON b24ops_api_calls
FOR EACH ROW WHEN (OLD.error_code IS NOT NULL) EXECUTE FUNCTION b24ops_error_hours_count();
CREATE TRIGGER b24ops_app_errors_error_hours_ins AFTER INSERT ON b24ops_app_errors
FOR EACH ROW EXECUTE FUNCTION b24ops_error_hours_count();
CREATE TRIGGER b24ops_app_errors_error_hours_del AFTER DELETE ON b24ops_app_errors
FOR EACH ROW EXECUTE FUNCTION b24ops_error_hours_count();

-- Filled after the triggers exist: creating them locks writers out until this migration commits,
-- so no call is counted twice or missed.
INSERT INTO b24ops_error_hours (member_id, error_type, source, hour, n, first_ts, last_ts)
SELECT member_id, error_code, 'rest', (ts / 3600000) * 3600000, COUNT(*), MIN(ts), MAX(ts)
FROM b24ops_api_calls WHERE error_code IS NOT NULL GROUP BY member_id, error_code, (ts / 3600000) * 3600000;

INSERT INTO b24ops_error_hours (member_id, error_type, source, hour, n, first_ts, last_ts)
SELECT COALESCE(member_id, ''), error_type, 'app', (ts / 3600000) * 3600000, COUNT(*), MIN(ts), MAX(ts)
FROM b24ops_app_errors GROUP BY COALESCE(member_id, ''), error_type, (ts / 3600000) * 3600000;
