-- MySQL has no partial indexes, so b24ops_api_calls_err_ts held every call and a 15-minute
-- window read all of its calls to find the failed ones. failed_ts is ts for a failed call and
-- NULL for the others: an index that begins with it keeps the successful calls in one run of
-- NULLs at its start, and a window read on it touches only failed calls, as the partial indexes
-- of SQLite and PostgreSQL do. VIRTUAL: nothing is stored in the rows, and adding it rewrites
-- no table; building the index reads the table once.
ALTER TABLE b24ops_api_calls
    ADD COLUMN failed_ts BIGINT AS (CASE WHEN error_code IS NULL THEN NULL ELSE ts END) VIRTUAL;
CREATE INDEX b24ops_api_calls_failed_ts ON b24ops_api_calls (failed_ts, member_id, error_code);
DROP INDEX b24ops_api_calls_err_ts ON b24ops_api_calls;
