-- watch keeps one row per (rule, fingerprint) and names every portal an alert concerns.
ALTER TABLE b24ops_alerts ADD COLUMN portals MEDIUMTEXT;
CREATE UNIQUE INDEX b24ops_alerts_rule_fingerprint ON b24ops_alerts (rule, fingerprint);
