-- The Errors tab grouped by type counts each type's hour and day with a probe on the type and a
-- time range; the indexes so far began with the portal (err_member) or ordered a type by id
-- (err_code, for the Calls tab's keyset pages), so each probe read every failed call of the
-- range, of every type. Failed calls only, like the other error indexes. (MySQL, which would
-- index every call, ranges those probes over failed_ts instead.)
CREATE INDEX b24ops_api_calls_err_type_ts ON b24ops_api_calls (error_code, ts) WHERE error_code IS NOT NULL;
