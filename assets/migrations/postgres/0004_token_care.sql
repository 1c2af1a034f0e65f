-- Who last refreshed a portal's tokens (an operator, `watch`, or the app's own worker writes NULL).
ALTER TABLE b24ops_portals ADD COLUMN last_refresh_by TEXT;
