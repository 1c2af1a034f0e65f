-- What the weekly check read from the REST documentation: the last changelog read (its entries as
-- JSON) and the deprecation list rebuilt from a documentation checkout (TSV, as shipped).
CREATE TABLE b24ops_doc_lists (
    kind     VARCHAR(32) PRIMARY KEY,
    read_at  BIGINT NOT NULL,
    operator VARCHAR(128) NOT NULL,
    source   VARCHAR(2000) NOT NULL,
    body     LONGTEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- The newest changelog date the operator had read when marking the weekly check done ('YYYY-MM-DD').
ALTER TABLE b24ops_maintenance_log ADD COLUMN changelog_through VARCHAR(10);
