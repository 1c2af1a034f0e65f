-- The Tasks tab with every status, newest change first, and the kind filter.
CREATE INDEX b24ops_tasks_updated ON b24ops_tasks (updated_at, id);
CREATE INDEX b24ops_tasks_kind ON b24ops_tasks (kind, status);
