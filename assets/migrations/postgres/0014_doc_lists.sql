-- What the weekly check read from the REST documentation: the last changelog read (its entries as
-- JSON) and the deprecation list rebuilt from a documentation checkout (TSV, as shipped).
CREATE TABLE b24ops_doc_lists (
    kind     TEXT PRIMARY KEY,
    read_at  BIGINT NOT NULL,
    operator TEXT NOT NULL,
    source   TEXT NOT NULL,
    body     TEXT NOT NULL
);
-- The newest changelog date the operator had read when marking the weekly check done ('YYYY-MM-DD').
ALTER TABLE b24ops_maintenance_log ADD COLUMN changelog_through TEXT;
