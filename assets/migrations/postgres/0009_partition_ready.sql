-- `b24ops partition` splits the call log into daily partitions. A row trigger on a partitioned
-- table runs on each partition, where TG_TABLE_NAME names the partition (b24ops_api_calls_d…),
-- so the rollup function tells calls from app errors by the name's prefix instead.
CREATE OR REPLACE FUNCTION b24ops_error_hours_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    m TEXT; t TEXT; src TEXT; stamp BIGINT;
    is_call BOOLEAN := left(TG_TABLE_NAME, 16) = 'b24ops_api_calls';
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF is_call THEN
            m := OLD.member_id; t := OLD.error_code; src := 'rest';
        ELSE
            m := COALESCE(OLD.member_id, ''); t := OLD.error_type; src := 'app';
        END IF;
        UPDATE b24ops_error_hours SET n = n - 1
        WHERE member_id = m AND error_type = t AND source = src AND hour = (OLD.ts / 3600000) * 3600000;
        RETURN NULL;
    END IF;
    IF is_call THEN
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
