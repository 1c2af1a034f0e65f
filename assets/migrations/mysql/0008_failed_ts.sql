-- MySQL has no partial indexes, so b24ops_api_calls_err_ts held every call and a 15-minute
-- window read all of its calls to find the failed ones. failed_ts is ts for a failed call and
-- NULL for the others: an index that begins with it keeps the successful calls in one run of
-- NULLs at its start, and a window read on it touches only failed calls, as the partial indexes
-- of SQLite and PostgreSQL do.
--
-- The Errors tab counts each listed group's hour and day with a probe per group. Inside such a
-- correlated subquery MySQL and MariaDB seek on the equalities only (portal, error type) and
-- filter the time range row by row, reading the group's whole history; ts_hour, the hour a
-- call falls in, is a third equality the probes pin, so each reads only the hour it counts.
--
-- Both columns are VIRTUAL: nothing is stored in the rows and adding them rewrites no table;
-- building each index reads the table once.
ALTER TABLE b24ops_api_calls
    ADD COLUMN failed_ts BIGINT AS (CASE WHEN error_code IS NULL THEN NULL ELSE ts END) VIRTUAL,
    ADD COLUMN ts_hour BIGINT AS ((ts DIV 3600000) * 3600000) VIRTUAL;
CREATE INDEX b24ops_api_calls_failed_ts ON b24ops_api_calls (failed_ts, member_id, error_code);
CREATE INDEX b24ops_api_calls_err_hour ON b24ops_api_calls (member_id, error_code, ts_hour, ts);
DROP INDEX b24ops_api_calls_err_ts ON b24ops_api_calls;
DROP INDEX b24ops_api_calls_err_member ON b24ops_api_calls;
